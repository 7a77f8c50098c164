import { Errors } from '../errors.ts';
import { ALLOWED_TYPES, findAllowedType, type AllowedType } from '../type-policy.ts';
import { tokenUploadRefusal } from '../upload-tokens/upload-token.ts';
import { chooseUploadMethod, type MultipartPolicy, type UploadMethod } from './multipart-plan.ts';
import type { RequestUploadInput, RequestUploadPolicy } from './request-upload.types.ts';
import type { SiteDirectory } from './upload.ports.ts';
import type { Site } from './upload.types.ts';

/**
 * Everything a request can be refused for before any store is read: how it
 * would be sent, its type and size, the customer it names, its site, and a
 * token's own limits.
 */
export function checkUploadRequest(
  input: RequestUploadInput,
  policy: RequestUploadPolicy,
  multipartPolicy: MultipartPolicy,
): { method: UploadMethod; type: AllowedType; siteId: string } {
  const method = chooseUploadMethod(input, multipartPolicy);
  const type = findAllowedType(input.contentType);
  if (!type) {
    throw Errors.unsupportedType(
      input.contentType,
      ALLOWED_TYPES.map((t) => t.contentType),
    );
  }
  const limit = policy.sizeLimits[type.category];
  if (input.size > limit) throw Errors.fileTooLarge(input.size, limit, type.category);
  if (input.customerId !== undefined && input.customerId !== input.callerCustomerId) {
    throw Errors.forbidden('customerId does not match the API key');
  }
  const { token } = input;
  const siteId = input.siteId ?? token?.siteId;
  if (siteId === undefined) {
    throw Errors.invalidRequest('siteId is required with an API key', {
      issues: [{ path: 'siteId', message: 'Required' }],
    });
  }
  if (token) {
    const refusal = tokenUploadRefusal(token, { siteId, type, size: input.size });
    if (refusal) throw refusal;
  }
  return { method, type, siteId };
}

/**
 * The caller's own site. Another customer's site is answered exactly like a
 * missing one, so that no caller can learn which site ids exist.
 */
export async function findCallersSite(
  sites: SiteDirectory,
  siteId: string,
  callerCustomerId: string,
): Promise<Site> {
  const site = await sites.findSite(siteId);
  if (!site || site.customerId !== callerCustomerId) throw Errors.siteNotFound(siteId);
  return site;
}
