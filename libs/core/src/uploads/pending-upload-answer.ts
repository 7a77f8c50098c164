import { uploadUrlLifetimeSeconds } from '../expiry-policy.ts';
import type { CheckedUploadRequest, RequestUploadResult } from './request-upload.types.ts';
import type { Upload } from './upload.types.ts';

/** The answer for a pending upload sent in one request: a presigned PUT, or a form's POST. */
export async function answerInOneRequest(
  request: CheckedUploadRequest,
  upload: Upload,
): Promise<RequestUploadResult> {
  const { deps } = request;
  const signed = signedRequest(request, upload);
  if (request.method !== 'POST') {
    return { outcome: 'upload', upload, presigned: await deps.signer.presignPut(signed) };
  }
  if (!deps.forms) throw new Error('form uploads need a FormPostSigner');
  return { outcome: 'form', upload, presigned: await deps.forms.presignPost(signed) };
}

/** The answer for a pending upload sent in parts: the plan a client resumes with. */
export function answerInParts(upload: Upload): RequestUploadResult {
  return {
    outcome: 'multipart',
    upload,
    plan: { partSize: upload.partSize!, partCount: upload.partCount! },
  };
}

/** What the URL's signature covers: the declared object, for the time its upload has left. */
function signedRequest(request: CheckedUploadRequest, upload: Upload) {
  const secondsLeft = Math.max(
    1,
    Math.floor((upload.expiresAt.getTime() - request.now().getTime()) / 1000),
  );
  return {
    bucket: upload.bucket,
    key: upload.key,
    contentType: upload.declaredContentType,
    contentLength: upload.declaredSize,
    sha256Hex: upload.declaredSha256,
    expiresInSeconds: secondsLeft,
  };
}

/**
 * When an upload answered now expires. A multipart upload is resumable: it
 * lives longer than one PUT's URL (each part URL still lives only as long as
 * its own size needs).
 */
export function uploadExpiry(request: CheckedUploadRequest): Date {
  const seconds =
    request.method === 'MULTIPART'
      ? request.multipartPolicy.uploadTtlSeconds
      : uploadUrlLifetimeSeconds(request.input.size, request.policy.expiry);
  return new Date(request.now().getTime() + seconds * 1000);
}
