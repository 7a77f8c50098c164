import { z } from 'zod';

/** `media.requested` v1: clean image bytes the media worker may now render. */
export const mediaRequested = z.object({
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

export type MediaRequested = z.infer<typeof mediaRequested>;
