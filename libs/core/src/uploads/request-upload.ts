import { Errors } from '../errors.ts';
import { uploadUrlLifetimeSeconds, type ExpiryPolicy } from '../expiry-policy.ts';
import { objectKey, tenantFolder, tokenObjectKey, type FolderMode } from '../key-layout.ts';
import { ALLOWED_TYPES, findAllowedType, type SizeLimits } from '../type-policy.ts';
import { isConfirmed } from '../upload-state.ts';
import {
  tokenDedupScope,
  tokenExhausted,
  tokenUploadRefusal,
  type UploadTokenGrant,
} from '../upload-tokens/upload-token.ts';
import {
  chooseUploadMethod,
  DEFAULT_MULTIPART_POLICY,
  planParts,
  type MultipartPolicy,
  type PartPlan,
} from './multipart-plan.ts';
import type {
  FormPostSigner,
  MultipartStore,
  PresignedPost,
  SiteDirectory,
  UploadRepository,
  UploadTokenCounter,
  UploadUrlSigner,
  PresignedRequest,
} from './upload.ports.ts';
import type { Upload } from './upload.types.ts';

export type RequestUploadPolicy = {
  readonly bucket: string;
  readonly folder: FolderMode;
  readonly sizeLimits: SizeLimits;
  readonly expiry: ExpiryPolicy;
  /** When files go in parts, their part size and how long they stay resumable. */
  readonly multipart?: MultipartPolicy | undefined;
};

export type RequestUploadDependencies = {
  readonly sites: SiteDirectory;
  readonly uploads: UploadRepository;
  readonly signer: UploadUrlSigner;
  /** Needed for `form: true`. */
  readonly forms?: FormPostSigner | undefined;
  /** Needed for uploads in parts. */
  readonly multipart?: MultipartStore | undefined;
  /** Needed for requests made with an upload token. */
  readonly tokens?: UploadTokenCounter | undefined;
  readonly now?: () => Date;
};

export type RequestUploadInput = {
  /** The customer the caller's API key belongs to. */
  readonly callerCustomerId: string;
  readonly customerId?: string | undefined;
  /** Required of an API key; a token's own site when omitted with a token. */
  readonly siteId?: string | undefined;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly actor: string;
  /** The API key asking: recorded as the issuer of the URL handed out. */
  readonly apiKeyId?: string | undefined;
  /** `true`: in parts (≥ 5 MiB); `false`: one PUT; absent: parts above the threshold. */
  readonly multipart?: boolean | undefined;
  /** A presigned POST for an HTML form instead of a PUT. */
  readonly form?: boolean | undefined;
  /**
   * The upload token asking (a browser), if any: its limits apply, its uploads
   * dedup only among themselves and get keys of their own, and a new one
   * counts against its `maxUploads`. Its issuing key is the URL's issuer.
   */
  readonly token?: UploadTokenGrant | undefined;
};

export type RequestUploadResult =
  | { readonly outcome: 'upload'; readonly upload: Upload; readonly presigned: PresignedRequest }
  | { readonly outcome: 'form'; readonly upload: Upload; readonly presigned: PresignedPost }
  | { readonly outcome: 'multipart'; readonly upload: Upload; readonly plan: PartPlan }
  | { readonly outcome: 'duplicate'; readonly upload: Upload };

/** A lost insert race is retried this many times before giving up. */
const MAX_RACE_ROUNDS = 5;

export function createRequestUpload(deps: RequestUploadDependencies, policy: RequestUploadPolicy) {
  const now = deps.now ?? (() => new Date());
  const multipartPolicy = policy.multipart ?? DEFAULT_MULTIPART_POLICY;

  const secondsLeft = (upload: Upload) =>
    Math.max(1, Math.floor((upload.expiresAt.getTime() - now().getTime()) / 1000));

  const signedRequest = (upload: Upload) => ({
    bucket: upload.bucket,
    key: upload.key,
    contentType: upload.declaredContentType,
    contentLength: upload.declaredSize,
    sha256Hex: upload.declaredSha256,
    expiresInSeconds: secondsLeft(upload),
  });

  const multipartStore = (): MultipartStore => {
    if (!deps.multipart) throw new Error('uploads in parts need a MultipartStore');
    return deps.multipart;
  };

  /** The answer for a pending upload sent in one request. */
  const single = async (upload: Upload, form: boolean): Promise<RequestUploadResult> => {
    if (!form) {
      return {
        outcome: 'upload',
        upload,
        presigned: await deps.signer.presignPut(signedRequest(upload)),
      };
    }
    if (!deps.forms) throw new Error('form uploads need a FormPostSigner');
    return {
      outcome: 'form',
      upload,
      presigned: await deps.forms.presignPost(signedRequest(upload)),
    };
  };

  const multipartResult = (upload: Upload): RequestUploadResult => ({
    outcome: 'multipart',
    upload,
    plan: { partSize: upload.partSize!, partCount: upload.partCount! },
  });

  /** Aborts a multipart upload nobody will use (a lost race); the sweep and the lifecycle rule are the backstop. */
  const discard = async (bucket: string, key: string, uploadId: string) => {
    await multipartStore()
      .abort({ bucket, key, uploadId })
      .catch(() => undefined);
  };

  return async function requestUpload(input: RequestUploadInput): Promise<RequestUploadResult> {
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
    const site = await deps.sites.findSite(siteId);
    // Another customer's site is answered exactly like a missing one, so that
    // no caller can learn which site ids exist.
    if (!site || site.customerId !== input.callerCustomerId) {
      throw Errors.siteNotFound(siteId);
    }
    // A token's uploads are recorded as issued by the key that minted it.
    const apiKeyId = token ? token.apiKeyId : input.apiKeyId;

    const sha256 = input.sha256.toLowerCase();
    // Dedup never crosses tenants: a hash reveals, and blocks, only the
    // caller's own customer's uploads. A token's, only its own: a browser
    // proves it holds the bytes by sending them, so a hash never hands it the
    // customer's other uploads (nor another token's).
    const dedupScope = token
      ? tokenDedupScope(site.customerId, token.id)
      : customerDedupScope(site.customerId);
    // A multipart upload is resumable: it lives longer than one PUT's URL
    // (each part URL still lives only as long as its own size needs).
    const expiresAt = () =>
      new Date(
        now().getTime() +
          (method === 'MULTIPART'
            ? multipartPolicy.uploadTtlSeconds
            : uploadUrlLifetimeSeconds(input.size, policy.expiry)) *
            1000,
      );
    const newPlan = () => planParts(input.size, multipartPolicy.partSizeBytes);

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
        // Its parts were put together: the object exists and is being verified.
        if (existing.multipartCompletedAt) throw Errors.uploadInProgress(existing.id);
        if (existing.multipartUploadId) {
          // A multipart upload stays one: the same plan, so a client resumes.
          if (method === 'POST') throw Errors.uploadMethodConflict(existing.id, 'MULTIPART');
          const refreshed = await deps.uploads.extendPending(
            existing.id,
            new Date(now().getTime() + multipartPolicy.uploadTtlSeconds * 1000),
            apiKeyId,
          );
          if (refreshed) return multipartResult(refreshed);
          continue;
        }
        if (method === 'MULTIPART') {
          const multipartUploadId = await multipartStore().create({
            bucket: existing.bucket,
            key: existing.key,
            contentType: existing.declaredContentType,
          });
          const attached = await deps.uploads.attachMultipart(
            existing.id,
            { multipartUploadId, ...newPlan() },
            expiresAt(),
            apiKeyId,
          );
          if (attached) return multipartResult(attached);
          await discard(existing.bucket, existing.key, multipartUploadId);
          continue;
        }
        const refreshed = await deps.uploads.extendPending(existing.id, expiresAt(), apiKeyId);
        if (refreshed) return single(refreshed, method === 'POST');
        continue;
      }
      const folder = tenantFolder(site.customerId, site.id, policy.folder);
      // A token's upload never shares its object with the customer's others.
      const key = token
        ? tokenObjectKey(folder, type, sha256, token.id)
        : objectKey(folder, type, sha256);
      // A new upload counts against the token's maxUploads (a resumed one does not).
      if (token) {
        if (!deps.tokens) throw new Error('uploads with a token need an UploadTokenCounter');
        if (!(await deps.tokens.claimUpload(token.id))) throw tokenExhausted(token.maxUploads);
      }
      const release = async () => {
        if (token) await deps.tokens!.releaseUpload(token.id);
      };
      let multipartUploadId: string | undefined;
      try {
        multipartUploadId =
          method === 'MULTIPART'
            ? await multipartStore().create({
                bucket: policy.bucket,
                key,
                contentType: type.contentType,
              })
            : undefined;
      } catch (error) {
        await release();
        throw error;
      }
      const created = await deps.uploads
        .insertPending(
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
            key,
            expiresAt: expiresAt(),
            apiKeyId: apiKeyId ?? null,
            uploadTokenId: token?.id ?? null,
            ...(multipartUploadId ? { multipartUploadId, ...newPlan() } : {}),
          },
          input.actor,
        )
        .catch(async (error: unknown) => {
          if (multipartUploadId) await discard(policy.bucket, key, multipartUploadId);
          await release();
          throw error;
        });
      if (created) {
        return multipartUploadId ? multipartResult(created) : single(created, method === 'POST');
      }
      await release();
      if (multipartUploadId) await discard(policy.bucket, key, multipartUploadId);
    }
    throw Errors.uploadInProgress();
  };
}

export type RequestUpload = ReturnType<typeof createRequestUpload>;

/** The only dedup scope: one customer's uploads. */
function customerDedupScope(customerId: string): string {
  return `customer:${customerId}`;
}
