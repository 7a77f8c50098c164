import { objectKey, tenantFolder, tokenObjectKey } from '../key-layout.ts';
import { tokenExhausted } from '../upload-tokens/upload-token.ts';
import { discardMultipart, newPartPlan, startMultipart } from './multipart-start.ts';
import { answerInOneRequest, answerInParts, uploadExpiry } from './pending-upload-answer.ts';
import type { CheckedUploadRequest, RequestUploadResult } from './request-upload.types.ts';
import { resumeExistingUpload } from './resume-existing-upload.ts';
import type { NewUpload } from './upload.types.ts';

/**
 * A new pending upload for content not live in the request's dedup scope,
 * and its answer. `undefined` when a concurrent request inserted the same
 * content first (a lost race: look again); nothing it took is kept then.
 */
export async function createNewUpload(
  request: CheckedUploadRequest,
): Promise<RequestUploadResult | undefined> {
  const { deps, policy, type } = request;
  const key = newObjectKey(request);
  await claimTokenUpload(request);
  const release = () => releaseTokenUpload(request);
  let multipartUploadId: string | undefined;
  try {
    multipartUploadId =
      request.method === 'MULTIPART'
        ? await startMultipart(request, {
            bucket: policy.bucket,
            key,
            contentType: type.contentType,
          })
        : undefined;
  } catch (error) {
    await release();
    throw error;
  }
  const discard = async () => {
    if (multipartUploadId) {
      await discardMultipart(request, { bucket: policy.bucket, key, uploadId: multipartUploadId });
    }
  };
  const created = await deps.uploads
    .insertPending(
      {
        ...newUpload(request, key),
        ...(multipartUploadId ? { multipartUploadId, ...newPartPlan(request) } : {}),
      },
      request.input.actor,
    )
    .catch(async (error: unknown) => {
      await discard();
      await release();
      throw error;
    });
  if (created) {
    return multipartUploadId ? answerInParts(created) : answerInOneRequest(request, created);
  }
  await release();
  await discard();
  return undefined;
}

/**
 * The common case in one statement: a request sent in one go, with an API
 * key (nothing to claim or start first), inserted unless the same content is
 * live in its scope, which is then answered as {@link resumeExistingUpload}
 * would. `undefined` after a lost race (look again).
 */
export async function createOrResumeUpload(
  request: CheckedUploadRequest,
): Promise<RequestUploadResult | undefined> {
  const found = await request.deps.uploads.insertPendingUnlessLive(
    newUpload(request, newObjectKey(request)),
    request.input.actor,
  );
  if (!found) return undefined;
  return found.created
    ? answerInOneRequest(request, found.upload)
    : resumeExistingUpload(request, found.upload);
}

/** What {@link createOrResumeUpload} can do alone: nothing to claim (a token) or start (parts) first. */
export function insertsInOneStatement(request: CheckedUploadRequest): boolean {
  return !request.token && request.method !== 'MULTIPART';
}

function newUpload(request: CheckedUploadRequest, key: string): NewUpload {
  const { policy, site, token, type } = request;
  return {
    customerId: site.customerId,
    siteId: site.id,
    dedupScope: request.dedupScope,
    originalName: request.input.fileName,
    declaredContentType: type.contentType,
    declaredSize: request.input.size,
    declaredSha256: request.sha256,
    category: type.category,
    bucket: policy.bucket,
    key,
    expiresAt: uploadExpiry(request),
    apiKeyId: request.apiKeyId ?? null,
    uploadTokenId: token?.id ?? null,
  };
}

/** The object key of new content: a token's upload never shares its object with the customer's others. */
function newObjectKey({ policy, site, token, type, sha256 }: CheckedUploadRequest): string {
  const folder = tenantFolder(site.customerId, site.id, policy.folder);
  return token ? tokenObjectKey(folder, type, sha256, token.id) : objectKey(folder, type, sha256);
}

/** A new upload counts against the token's maxUploads (a resumed one does not). */
async function claimTokenUpload({ deps, token }: CheckedUploadRequest): Promise<void> {
  if (!token) return;
  if (!deps.tokens) throw new Error('uploads with a token need an UploadTokenCounter');
  if (!(await deps.tokens.claimUpload(token.id))) throw tokenExhausted(token.maxUploads);
}

/** Gives back the claim of an upload that was not created. */
async function releaseTokenUpload({ deps, token }: CheckedUploadRequest): Promise<void> {
  if (token) await deps.tokens!.releaseUpload(token.id);
}
