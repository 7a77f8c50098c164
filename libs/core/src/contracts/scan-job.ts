import { z } from 'zod';
import { judgedContentType, type JobSubject } from './job-subject.ts';

/**
 * `scan.requested` v1: the verifier confirmed an upload's bytes; the scanner
 * may now scan them. Versioned so producer and consumer can move apart.
 */
export const scanRequestedSchema = z.object({
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

export type ScanRequested = z.input<typeof scanRequestedSchema>;
export type ScanJob = z.output<typeof scanRequestedSchema>;

/** The `scan.requested` job for an upload whose bytes a worker confirmed. */
export function scanRequested(
  upload: JobSubject,
  by: {
    readonly producedBy: string;
    readonly trigger?: ScanJob['trigger'];
    /** What the verifier just detected, before the upload row says so. */
    readonly contentType?: string;
  },
): ScanRequested {
  return {
    type: 'scan.requested',
    version: 1,
    producedBy: by.producedBy,
    uploadId: upload.id,
    bucket: upload.bucket,
    key: upload.key,
    sha256: upload.declaredSha256,
    contentType: by.contentType ?? judgedContentType(upload),
    size: upload.declaredSize,
    requestedAt: new Date().toISOString(),
    ...(by.trigger ? { trigger: by.trigger } : {}),
  };
}
