import { Errors } from '../errors.ts';
import { tokenDedupScope, type UploadTokenGrant } from '../upload-tokens/upload-token.ts';
import {
  createNewUpload,
  createOrResumeUpload,
  insertsInOneStatement,
} from './create-new-upload.ts';
import { DEFAULT_MULTIPART_POLICY } from './multipart-plan.ts';
import type {
  CheckedUploadRequest,
  RequestUploadDependencies,
  RequestUploadInput,
  RequestUploadPolicy,
  RequestUploadResult,
} from './request-upload.types.ts';
import { resumeExistingUpload } from './resume-existing-upload.ts';
import { checkUploadRequest, findCallersSite } from './upload-request-checks.ts';

export type {
  RequestUploadDependencies,
  RequestUploadInput,
  RequestUploadPolicy,
  RequestUploadResult,
} from './request-upload.types.ts';

/** A lost insert race is retried this many times before giving up. */
const MAX_RACE_ROUNDS = 5;

/**
 * The use case behind `POST /v1/uploads`: checks the request, then answers
 * with the live upload of the same content in the caller's dedup scope
 * (duplicate, or resumed) or a new pending one, looking again after a lost race.
 */
export function createRequestUpload(deps: RequestUploadDependencies, policy: RequestUploadPolicy) {
  const now = deps.now ?? (() => new Date());
  const multipartPolicy = policy.multipart ?? DEFAULT_MULTIPART_POLICY;

  return async function requestUpload(input: RequestUploadInput): Promise<RequestUploadResult> {
    const { method, type, siteId } = checkUploadRequest(input, policy, multipartPolicy);
    const site = await findCallersSite(deps.sites, siteId, input.callerCustomerId);
    const { token } = input;
    const request: CheckedUploadRequest = {
      deps,
      policy,
      multipartPolicy,
      now,
      input,
      method,
      type,
      site,
      token,
      // A token's uploads are recorded as issued by the key that minted it.
      apiKeyId: token ? token.apiKeyId : input.apiKeyId,
      sha256: input.sha256.toLowerCase(),
      dedupScope: dedupScope(site.customerId, token),
    };
    for (let round = 0; round < MAX_RACE_ROUNDS; round++) {
      if (insertsInOneStatement(request)) {
        const answer = await createOrResumeUpload(request);
        if (answer) return answer;
        continue;
      }
      const existing = await deps.uploads.findLiveByHash(request.dedupScope, request.sha256);
      const answer = existing
        ? await resumeExistingUpload(request, existing)
        : await createNewUpload(request);
      if (answer) return answer;
    }
    throw Errors.uploadInProgress();
  };
}

export type RequestUpload = ReturnType<typeof createRequestUpload>;

/**
 * Dedup never crosses tenants: a hash reveals, and blocks, only the caller's
 * own customer's uploads. A token's, only its own: a browser proves it holds
 * the bytes by sending them, so a hash never hands it the customer's other
 * uploads (nor another token's).
 */
function dedupScope(customerId: string, token: UploadTokenGrant | undefined): string {
  return token ? tokenDedupScope(customerId, token.id) : `customer:${customerId}`;
}
