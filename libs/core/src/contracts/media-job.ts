import { z } from 'zod';
import { judgedContentType, type JobSubject } from './job-subject.ts';

/** `media.requested` v1: clean image bytes the media worker may now render. */
export const mediaRequestedSchema = z.object({
  type: z.literal('media.requested'),
  version: z.literal(1),
  producedBy: z.string(),
  uploadId: z.uuid(),
  bucket: z.string(),
  key: z.string(),
  contentType: z.string(),
  size: z.number().int().positive(),
  requestedAt: z.iso.datetime(),
});

export type MediaRequested = z.infer<typeof mediaRequestedSchema>;

/** The `media.requested` job for a clean image. */
export function mediaRequested(
  upload: JobSubject,
  by: { readonly producedBy: string },
): MediaRequested {
  return {
    type: 'media.requested',
    version: 1,
    producedBy: by.producedBy,
    uploadId: upload.id,
    bucket: upload.bucket,
    key: upload.key,
    contentType: judgedContentType(upload),
    size: upload.declaredSize,
    requestedAt: new Date().toISOString(),
  };
}
