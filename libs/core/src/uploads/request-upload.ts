import { Errors } from '../errors.ts';
import { uploadUrlLifetimeSeconds, type ExpiryPolicy } from '../expiry-policy.ts';
import { objectKey, tenantFolder, type FolderMode } from '../key-layout.ts';
import { ALLOWED_TYPES, findAllowedType, type SizeLimits } from '../type-policy.ts';
import { isConfirmed } from '../upload-state.ts';
import type {
  SiteDirectory,
  UploadRepository,
  UploadUrlSigner,
  PresignedRequest,
} from './upload.ports.ts';
import type { Upload } from './upload.types.ts';

export type RequestUploadPolicy = {
  readonly bucket: string;
  readonly folder: FolderMode;
  readonly sizeLimits: SizeLimits;
  readonly expiry: ExpiryPolicy;
};

export type RequestUploadDependencies = {
  readonly sites: SiteDirectory;
  readonly uploads: UploadRepository;
  readonly signer: UploadUrlSigner;
  readonly now?: () => Date;
};

export type RequestUploadInput = {
  /** The customer the caller's API key belongs to. */
  readonly callerCustomerId: string;
  readonly customerId?: string | undefined;
  readonly siteId: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly actor: string;
  /** The API key asking: recorded as the issuer of the URL handed out. */
  readonly apiKeyId?: string | undefined;
};

export type RequestUploadResult =
  | { readonly outcome: 'upload'; readonly upload: Upload; readonly presigned: PresignedRequest }
  | { readonly outcome: 'duplicate'; readonly upload: Upload };

/** A lost insert race is retried this many times before giving up. */
const MAX_RACE_ROUNDS = 5;

export function createRequestUpload(deps: RequestUploadDependencies, policy: RequestUploadPolicy) {
  const now = deps.now ?? (() => new Date());

  const presign = async (upload: Upload): Promise<PresignedRequest> =>
    deps.signer.presignPut({
      bucket: upload.bucket,
      key: upload.key,
      contentType: upload.declaredContentType,
      contentLength: upload.declaredSize,
      sha256Hex: upload.declaredSha256,
      expiresInSeconds: Math.max(
        1,
        Math.floor((upload.expiresAt.getTime() - now().getTime()) / 1000),
      ),
    });

  return async function requestUpload(input: RequestUploadInput): Promise<RequestUploadResult> {
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
    const site = await deps.sites.findSite(input.siteId);
    // Another customer's site is answered exactly like a missing one, so that
    // no caller can learn which site ids exist.
    if (!site || site.customerId !== input.callerCustomerId) {
      throw Errors.siteNotFound(input.siteId);
    }

    const sha256 = input.sha256.toLowerCase();
    // Dedup never crosses tenants: a hash reveals, and blocks, only the
    // caller's own customer's uploads.
    const dedupScope = customerDedupScope(site.customerId);
    const expiresAt = () =>
      new Date(now().getTime() + uploadUrlLifetimeSeconds(input.size, policy.expiry) * 1000);

    for (let round = 0; round < MAX_RACE_ROUNDS; round++) {
      const existing = await deps.uploads.findLiveByHash(dedupScope, sha256);
      if (existing) {
        // A hash alone is not a read handle: the upload is named only to a
        // caller that declares the same type and size as well.
        if (
          existing.declaredContentType !== type.contentType ||
          existing.declaredSize !== input.size
        ) {
          throw Errors.uploadConflict();
        }
        if (isConfirmed(existing.state)) return { outcome: 'duplicate', upload: existing };
        if (existing.state !== 'pending') throw Errors.uploadInProgress(existing.id);
        const refreshed = await deps.uploads.extendPending(
          existing.id,
          expiresAt(),
          input.apiKeyId,
        );
        if (refreshed)
          return { outcome: 'upload', upload: refreshed, presigned: await presign(refreshed) };
        continue;
      }
      const folder = tenantFolder(site.customerId, site.id, policy.folder);
      const created = await deps.uploads.insertPending(
        {
          customerId: site.customerId,
          siteId: site.id,
          dedupScope,
          originalName: input.fileName,
          declaredContentType: type.contentType,
          declaredSize: input.size,
          declaredSha256: sha256,
          category: type.category,
          bucket: policy.bucket,
          key: objectKey(folder, type, sha256),
          expiresAt: expiresAt(),
          apiKeyId: input.apiKeyId ?? null,
        },
        input.actor,
      );
      if (created) return { outcome: 'upload', upload: created, presigned: await presign(created) };
    }
    throw Errors.uploadInProgress();
  };
}

export type RequestUpload = ReturnType<typeof createRequestUpload>;

/** The only dedup scope: one customer's uploads. */
function customerDedupScope(customerId: string): string {
  return `customer:${customerId}`;
}
