import { planParts, type PartPlan } from './multipart-plan.ts';
import type { CheckedUploadRequest } from './request-upload.types.ts';
import type { MultipartStore } from './upload.ports.ts';

/** Starts the multipart upload of an object in the store: its S3 UploadId. */
export async function startMultipart(
  request: CheckedUploadRequest,
  object: { bucket: string; key: string; contentType: string },
): Promise<string> {
  return multipartStore(request).create(object);
}

/** Aborts a multipart upload nobody will use (a lost race); the sweep and the lifecycle rule are the backstop. */
export async function discardMultipart(
  request: CheckedUploadRequest,
  object: { bucket: string; key: string; uploadId: string },
): Promise<void> {
  await multipartStore(request)
    .abort(object)
    .catch(() => undefined);
}

/** The parts a new multipart upload of this file is planned in. */
export function newPartPlan(request: CheckedUploadRequest): PartPlan {
  return planParts(request.input.size, request.multipartPolicy.partSizeBytes);
}

function multipartStore(request: CheckedUploadRequest): MultipartStore {
  if (!request.deps.multipart) throw new Error('uploads in parts need a MultipartStore');
  return request.deps.multipart;
}
