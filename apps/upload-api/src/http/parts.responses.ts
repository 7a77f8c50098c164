import { z } from 'zod';
import { MAX_PART_COUNT, type ListedParts, type SignedPart } from '@airlock/core';
import { base64Sha256, conforming, timestamp } from './response.primitives.ts';
import { plannedPartCount, plannedPartSize } from './requested-upload.responses.ts';

export const signedPartsSchema = z.strictObject({
  parts: z.array(
    z
      .strictObject({
        partNumber: z.int().min(1).max(MAX_PART_COUNT),
        method: z.literal('PUT'),
        url: z.url(),
        headers: z.strictObject({
          'x-amz-checksum-sha256': base64Sha256.describe('The part’s SHA-256, base64.'),
        }),
        expiresAt: timestamp.describe(
          'This URL stops working then (as long as the part’s size needs, at most the ' +
            'upload’s own expiry); ask again for a fresh one.',
        ),
      })
      .describe(
        'PUT the part’s bytes to `url` setting exactly `headers`: its length (sent by the ' +
          'client itself, not in `headers`) and SHA-256 are signed, so S3 refuses other bytes ' +
          'or another length.',
      ),
  ),
});

/** `POST /v1/uploads/{uploadId}/parts`: one URL per part asked for, in the order asked. */
export function presentSignedParts(
  parts: readonly SignedPart[],
): z.infer<typeof signedPartsSchema> {
  return conforming(signedPartsSchema, {
    parts: parts.map((part) => ({ ...part, expiresAt: part.expiresAt.toISOString() })),
  });
}

export const storedPartsSchema = z
  .strictObject({
    parts: z.array(
      z.strictObject({ partNumber: z.int().min(1), size: z.int().min(0), etag: z.string() }),
    ),
    partSize: plannedPartSize,
    partCount: plannedPartCount,
  })
  .describe('The parts the store holds, by part number, and the plan.');

/** `GET /v1/uploads/{uploadId}/parts`. */
export function presentStoredParts(listed: ListedParts): z.infer<typeof storedPartsSchema> {
  return {
    parts: listed.parts.map(({ partNumber, size, etag }) => ({ partNumber, size, etag })),
    partSize: listed.partSize,
    partCount: listed.partCount,
  };
}
