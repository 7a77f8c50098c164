import { Errors } from '../errors.ts';
import { isConfirmed } from '../upload-state.ts';
import { discardMultipart, newPartPlan, startMultipart } from './multipart-start.ts';
import { answerInOneRequest, answerInParts, uploadExpiry } from './pending-upload-answer.ts';
import type { CheckedUploadRequest, RequestUploadResult } from './request-upload.types.ts';
import type { Upload } from './upload.types.ts';

/**
 * The answer when the same content is already live in the request's dedup
 * scope: the duplicate, a refusal, or the pending upload resumed. `undefined`
 * when the upload moved on meanwhile (a lost race: look again).
 */
export async function resumeExistingUpload(
  request: CheckedUploadRequest,
  existing: Upload,
): Promise<RequestUploadResult | undefined> {
  // A hash alone is not a read handle: the upload is named only to a
  // caller that declares the same type and size as well.
  if (
    existing.declaredContentType !== request.type.contentType ||
    existing.declaredSize !== request.input.size
  ) {
    throw Errors.uploadConflict();
  }
  if (isConfirmed(existing.state)) return { outcome: 'duplicate', upload: existing };
  if (existing.state !== 'pending') throw Errors.uploadInProgress(existing.id);
  // Its parts were put together: the object exists and is being verified.
  if (existing.multipartCompletedAt) throw Errors.uploadInProgress(existing.id);
  if (existing.multipartUploadId) return resumeInParts(request, existing);
  if (request.method === 'MULTIPART') return switchToParts(request, existing);
  const { uploads } = request.deps;
  const refreshed = await uploads.extendPending(
    existing.id,
    uploadExpiry(request),
    request.apiKeyId,
  );
  if (!refreshed) return undefined;
  return answerInOneRequest(request, refreshed);
}

/** A multipart upload stays one: the same plan, so a client resumes. */
async function resumeInParts(
  request: CheckedUploadRequest,
  existing: Upload,
): Promise<RequestUploadResult | undefined> {
  if (request.method === 'POST') throw Errors.uploadMethodConflict(existing.id, 'MULTIPART');
  const refreshed = await request.deps.uploads.extendPending(
    existing.id,
    new Date(request.now().getTime() + request.multipartPolicy.uploadTtlSeconds * 1000),
    request.apiKeyId,
  );
  if (!refreshed) return undefined;
  return answerInParts(refreshed);
}

/** A pending upload asked for again in parts: it becomes a multipart one. */
async function switchToParts(
  request: CheckedUploadRequest,
  existing: Upload,
): Promise<RequestUploadResult | undefined> {
  const multipartUploadId = await startMultipart(request, {
    bucket: existing.bucket,
    key: existing.key,
    contentType: existing.declaredContentType,
  });
  const attached = await request.deps.uploads.attachMultipart(
    existing.id,
    { multipartUploadId, ...newPartPlan(request) },
    uploadExpiry(request),
    request.apiKeyId,
  );
  if (attached) return answerInParts(attached);
  await discardMultipart(request, {
    bucket: existing.bucket,
    key: existing.key,
    uploadId: multipartUploadId,
  });
  return undefined;
}
