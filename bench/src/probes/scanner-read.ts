/**
 * Scans one object from S3 in a fresh process, the way the scanner does
 * (S3ObjectStore.open with the SHA-256 of what is read + ClamdScanner.scan),
 * so its peak RSS is this scan's alone.
 */
import { ClamdScanner } from '@airlock/clamav';
import { createS3Client, S3ObjectStore } from '@airlock/s3';
import { answerParent } from '../child.ts';
import { peakRssMiB } from './peak-rss.ts';

export type ScannerReadInput = {
  readonly bucket: string;
  readonly key: string;
  readonly clamd: { readonly host: string; readonly port: number };
};

export type ScannerReadResult = {
  readonly result: string;
  readonly signature: string | undefined;
  /** The SHA-256 of the bytes clamd was sent, when the object was read to its end. */
  readonly sha256Hex: string | undefined;
  readonly ms: number;
  readonly peakRssMiB: number;
};

answerParent(async (input: ScannerReadInput): Promise<ScannerReadResult> => {
  const s3 = createS3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: process.env.S3_ENDPOINT,
    forcePathStyle: true,
  });
  const scanner = new ClamdScanner({}, { ...input.clamd, timeoutMs: 1_800_000 });
  const started = performance.now();
  const opened = await new S3ObjectStore({ s3 }).open(
    { bucket: input.bucket, key: input.key },
    { sha256: true },
  );
  if (!opened) throw new Error(`${input.key} is missing`);
  const verdict = await scanner.scan(opened.body);
  const ms = performance.now() - started;
  return {
    result: verdict.result,
    signature: 'signature' in verdict ? verdict.signature : undefined,
    sha256Hex: opened.sha256(),
    ms,
    peakRssMiB: peakRssMiB(),
  };
});
