import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ClamdScanner } from '@airlock/clamav';
import { instream } from '../baselines/instream-client.ts';
import { photoJpeg } from '../fixtures/photo.ts';
import type { Row } from '../report.ts';
import { interleaved, median, MiB, mibPerSecond, ratio } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

/** About what an S3 response body yields per chunk. */
const CHUNK_BYTES = 64 * 1024;

type Payload = {
  readonly label: string;
  readonly bytes: Buffer;
  /** Where 16 bytes may change between scans without changing what clamd has to do. */
  readonly nonceAt: number;
  readonly repeats: number;
};

const NONCE_BYTES = 16;

/** A JPEG comment segment of fresh bytes right after SOI: same image, new content hash. */
function withCommentSegment(jpeg: Buffer): Buffer {
  const segment = Buffer.alloc(4 + NONCE_BYTES);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(2 + NONCE_BYTES, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

async function run({ stack, settings, log }: StageContext): Promise<StageResult> {
  const target = { host: stack.env.CLAMD_HOST!, port: Number(stack.env.CLAMD_PORT) };
  // The scanner's own adapter, as its compose.ts builds it (the timeout is CLAMD_TIMEOUT_MS' default).
  const scanner = new ClamdScanner({}, { ...target, timeoutMs: 120_000 });
  const { width, height } = settings.media;
  // Random bytes give clamd nothing to parse, so the client's overhead shows most;
  // a photo is what it meets in the pipeline, and clamd decodes images.
  const payloads: Payload[] = [
    {
      label: `${settings.scanner.bytes / MiB} MiB random`,
      bytes: randomBytes(settings.scanner.bytes),
      nonceAt: settings.scanner.bytes - NONCE_BYTES,
      repeats: settings.scanner.repeats,
    },
    {
      label: `${((width * height) / 1e6).toFixed(0)} MP JPEG`,
      bytes: withCommentSegment(await photoJpeg(width, height)),
      nonceAt: 6,
      repeats: 1,
    },
  ];

  const problems = new Set<string>();
  const rows: Row[] = [];
  const details: Record<string, unknown> = { chunkBytes: CHUNK_BYTES };
  for (const { label, bytes, nonceAt, repeats } of payloads) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
      chunks.push(bytes.subarray(at, at + CHUNK_BYTES));
    }
    const ours = async () => {
      const verdict = await scanner.scan(Readable.from(chunks));
      if (verdict.result !== 'clean') problems.add(`scanner: ClamdScanner said ${verdict.result}`);
    };
    const baseline = async () => {
      const reply = await instream(target, chunks);
      if (reply !== 'stream: OK')
        problems.add(`scanner: raw INSTREAM got ${JSON.stringify(reply)}`);
    };
    // clamd caches the hashes of clean content and answers a repeat without
    // scanning it: every scan gets bytes clamd has not seen (the chunks are views).
    const timed = async (scan: () => Promise<void>) => {
      let elapsed = 0;
      for (let i = 0; i < repeats; i++) {
        randomBytes(NONCE_BYTES).copy(bytes, nonceAt);
        const started = performance.now();
        await scan();
        elapsed += performance.now() - started;
      }
      return mibPerSecond(bytes.length * repeats, elapsed);
    };
    const runs = await interleaved(settings.rounds, {
      ours: () => timed(ours),
      baseline: () => timed(baseline),
    });
    const throughput = { ours: median(runs.ours), baseline: median(runs.baseline) };
    const scanRatio = ratio(throughput.ours, throughput.baseline);
    log(
      `scanner, ${label}: ClamdScanner ${throughput.ours.toFixed(1)} MiB/s, raw INSTREAM ${throughput.baseline.toFixed(1)} MiB/s`,
    );
    rows.push({
      stage: 'scanner',
      measure: `MiB/s through clamd, ${label}`,
      ...throughput,
      ratio: scanRatio,
      target: '≥ 0.9× raw INSTREAM',
      met: scanRatio === null ? null : scanRatio >= 0.9,
    });
    details[label] = { bytes: bytes.length, repeats, runs };
  }
  return { rows, details, problems: [...problems] };
}

export const scannerStage: Stage = { name: 'scanner', run };
