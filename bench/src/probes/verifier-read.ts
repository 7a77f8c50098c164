/**
 * Reads one object from S3 in a fresh process, so its peak RSS is this read's
 * alone: `inspect` the way the verifier does (S3ObjectStore.open +
 * inspectStream), or `plain`, a streamed GET whose bytes are dropped.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { inspectStream } from '@airlock/inspection';
import { createS3Client, S3ObjectStore } from '@airlock/s3';
import { answerParent } from '../child.ts';

export type VerifierReadInput = {
  readonly mode: 'inspect' | 'plain';
  readonly bucket: string;
  readonly key: string;
};

export type VerifierReadResult = {
  readonly bytes: number;
  readonly ms: number;
  readonly sha256Hex: string | undefined;
  /** RSS once the client is built, before the read. */
  readonly startRssMiB: number;
  /** The process's high-water mark, read after the object was consumed. */
  readonly peakRssMiB: number;
};

const MiB = 1024 * 1024;

/**
 * The high-water mark of this program's memory. Not getrusage's maxRSS: that
 * survives exec, so a child forked from a parent holding 300 MiB reports
 * 300 MiB before reading a byte. Linux's VmHWM starts afresh with the new image.
 */
function peakRssMiB(): number {
  if (existsSync('/proc/self/status')) {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  }
  return process.resourceUsage().maxRSS / 1024;
}

answerParent(async (input: VerifierReadInput): Promise<VerifierReadResult> => {
  const s3 = createS3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: process.env.S3_ENDPOINT,
    forcePathStyle: true,
  });
  const object = { bucket: input.bucket, key: input.key };
  const startRssMiB = process.memoryUsage.rss() / MiB;
  const started = performance.now();
  let bytes = 0;
  let sha256Hex: string | undefined;
  if (input.mode === 'inspect') {
    const opened = await new S3ObjectStore({ s3 }).open(object);
    if (!opened) throw new Error(`${input.key} is missing`);
    const inspection = await inspectStream(opened.body);
    bytes = inspection.size;
    sha256Hex = inspection.sha256Hex;
  } else {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key }),
    );
    for await (const chunk of response.Body as Readable) bytes += (chunk as Buffer).length;
  }
  const ms = performance.now() - started;
  return {
    bytes,
    ms,
    sha256Hex,
    startRssMiB,
    peakRssMiB: peakRssMiB(),
  };
});
