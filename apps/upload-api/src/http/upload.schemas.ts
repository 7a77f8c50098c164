import { z } from 'zod';
import {
  checkFileName,
  MAX_PART_COUNT,
  MAX_PARTS_PER_CALL,
  MAX_SINGLE_REQUEST_BYTES,
  type Downloads,
  type RenditionInfo,
  type Upload,
  type UploadTransition,
} from '@airlock/core';

export const createUploadBody = z.strictObject({
  // Required with an API key (400 at `siteId` without); a token's own site when omitted.
  siteId: z.uuid().optional(),
  customerId: z.uuid().optional(),
  // The rule lives in core (checkFileName): refused names are 400 with an issue
  // at `fileName`; accepted ones are stored in NFC.
  fileName: z
    .string()
    .check((ctx) => {
      const check = checkFileName(ctx.value);
      if (!check.ok) ctx.issues.push({ code: 'custom', message: check.problem, input: ctx.value });
    })
    .overwrite((name) => name.normalize('NFC')),
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters'),
  multipart: z.boolean().optional(),
  form: z.boolean().optional(),
});

export const signPartsBody = z.strictObject({
  parts: z
    .array(
      z.strictObject({
        partNumber: z.number().int().min(1).max(MAX_PART_COUNT),
        size: z.number().int().positive().max(MAX_SINGLE_REQUEST_BYTES),
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters'),
      }),
    )
    .min(1)
    .max(MAX_PARTS_PER_CALL),
});

export type CreateUploadBody = z.infer<typeof createUploadBody>;

export const uploadIdParam = z.uuid();

export function presentUpload(
  upload: Upload,
  history: UploadTransition[],
  renditions: RenditionInfo[],
  downloads: Downloads | undefined,
) {
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
    ...(downloads ? { downloads } : {}),
  };
}

export const contentQuery = z.strictObject({ rendition: z.string().min(1).max(64).optional() });
