import { z } from 'zod';
import {
  UPLOAD_STATES,
  type Downloads,
  type Rendition,
  type Upload,
  type UploadTransition,
} from '@airlock/core';
import { conforming, timestamp, uuid } from './response.primitives.ts';

export const uploadStateSchema = z
  .enum(UPLOAD_STATES)
  .describe(
    'pending → uploaded → verified → clean → ready; or rejected, quarantined, expired (terminal). ' +
      '`ready` content may still be quarantined later.',
  );

export const uploadTransitionSchema = z.strictObject({
  from: uploadStateSchema.nullable().describe('`null` for the first entry.'),
  to: uploadStateSchema,
  reason: z.string().nullable(),
  at: timestamp,
});

export const renditionSchema = z.strictObject({
  name: z.string().describe('Use as `?rendition=` on `/content`.'),
  format: z.string(),
  width: z.int().min(1),
  height: z.int().min(1),
  size: z.int().min(0),
});

export const downloadsSchema = z.strictObject({
  expiresAt: timestamp,
  original: z.strictObject({
    url: z.url().describe('Signed GET, served as an attachment.'),
  }),
  renditions: z.array(z.strictObject({ name: z.string(), url: z.url() })),
});

export const uploadSchema = z.strictObject({
  uploadId: uuid,
  state: uploadStateSchema,
  reason: z.string().nullable().describe('Why the upload was rejected, quarantined or expired.'),
  key: z.string(),
  siteId: uuid,
  fileName: z.string(),
  contentType: z.string().describe('The declared, canonical media type.'),
  detectedContentType: z
    .string()
    .nullable()
    .describe('The type sniffed from the content, once verified.'),
  size: z.int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: timestamp,
  updatedAt: timestamp,
  expiresAt: timestamp,
  history: z.array(uploadTransitionSchema).describe('Oldest first.'),
  renditions: z
    .array(renditionSchema)
    .describe('Processed derivatives (images), once the media worker made them.'),
  downloads: downloadsSchema
    .optional()
    .describe(
      'Only for `clean` and `ready` uploads: never for pending, rejected or quarantined ones.',
    ),
});

export type UploadResponse = z.infer<typeof uploadSchema>;

export function presentUpload(
  upload: Upload,
  history: readonly UploadTransition[],
  renditions: readonly Rendition[],
  downloads: Downloads | undefined,
): UploadResponse {
  return {
    uploadId: upload.id,
    state: upload.state,
    reason: upload.reason,
    key: upload.key,
    siteId: upload.siteId,
    fileName: upload.originalName,
    contentType: upload.declaredContentType,
    detectedContentType: upload.detectedContentType,
    size: upload.declaredSize,
    sha256: upload.declaredSha256,
    createdAt: upload.createdAt.toISOString(),
    updatedAt: upload.updatedAt.toISOString(),
    expiresAt: upload.expiresAt.toISOString(),
    history: history.map((entry) => ({
      from: entry.fromState,
      to: entry.toState,
      reason: entry.reason,
      at: entry.at.toISOString(),
    })),
    renditions: renditions.map(({ name, format, width, height, size }) => ({
      name,
      format,
      width,
      height,
      size,
    })),
    // Only for clean content: never a URL to pending, rejected or quarantined bytes.
    ...(downloads ? { downloads: { ...downloads, renditions: [...downloads.renditions] } } : {}),
  };
}

export const uploadStateOnlySchema = z.strictObject({ uploadId: uuid, state: uploadStateSchema });

/** `POST /v1/uploads/{uploadId}/complete`. */
export function presentUploadState(upload: Upload): z.infer<typeof uploadStateOnlySchema> {
  return { uploadId: upload.id, state: upload.state };
}

export const cancelledUploadSchema = z.strictObject({
  uploadId: uuid,
  state: z.literal('expired'),
  reason: z.literal('cancelled'),
});

/** `DELETE /v1/uploads/{uploadId}`: core cancels, or refuses (409). */
export function presentCancelled(upload: Upload): z.infer<typeof cancelledUploadSchema> {
  return conforming(cancelledUploadSchema, {
    uploadId: upload.id,
    state: upload.state,
    reason: upload.reason,
  });
}
