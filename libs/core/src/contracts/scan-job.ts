import { z } from 'zod';

/**
 * `scan.requested` v1: the verifier confirmed an upload's bytes; the scanner
 * may now scan them. Versioned so producer and consumer can move apart.
 */
export const scanRequested = z.object({
  type: z.literal('scan.requested'),
  version: z.literal(1),
  producedBy: z.string(),
  uploadId: z.uuid(),
  bucket: z.string(),
  key: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string(),
  size: z.number().int().positive(),
  requestedAt: z.iso.datetime(),
  /** `rescan`: bytes already clean, scanned again after a signature update. */
  trigger: z.enum(['upload', 'rescan']).default('upload'),
});

export type ScanRequested = z.input<typeof scanRequested>;
export type ScanJob = z.output<typeof scanRequested>;
