import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ClamdScanner } from '@airlock/clamav';
import { localStackHome } from '@airlock/config';
import { startScratchClamd } from '@airlock/testing';
import { instream } from '../baselines/instream-client.ts';
import { cpuSeconds } from '../e2e/process-cpu.ts';
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
  const photo = payloads[1]!;
  const fuzzy = await imageFuzzyHashBothWays(photo, target, settings.rounds, log);
  rows.push(...fuzzy.rows);
  details.imageFuzzyHash = fuzzy.details;
  for (const problem of fuzzy.problems) problems.add(problem);
  return { rows, details, problems: [...problems] };
}

/**
 * The scanner's image policy both ways, in one run: clamd CPU seconds per
 * photo on the stack's clamd (ScanImageFuzzyHash as the stack sets it, `yes`
 * by default) and on a scratch clamd with the same config but the opposite
 * setting. The photo changes before every scan, so clamd's cache never answers.
 */
async function imageFuzzyHashBothWays(
  photo: Payload,
  stackClamd: { host: string; port: number },
  rounds: number,
  log: (line: string) => void,
): Promise<{ rows: Row[]; details: Record<string, unknown>; problems: string[] }> {
  const home = localStackHome();
  const stackConf = readFileSync(join(home, 'clamav', 'clamd.conf'), 'utf8');
  const stackSetting = /^ScanImageFuzzyHash (yes|no)$/m.exec(stackConf)?.[1] ?? 'yes';
  const other = stackSetting === 'yes' ? 'no' : 'yes';
  const scratch = await startScratchClamd(stackConf, { ScanImageFuzzyHash: other });
  const problems: string[] = [];
  try {
    const pids = {
      [stackSetting]: Number(readFileSync(join(home, 'run', 'clamd.pid'), 'utf8').trim()),
      [other]: scratch.pid,
    };
    const targets = { [stackSetting]: stackClamd, [other]: scratch };
    /** clamd CPU seconds for one scan of a new variant of the photo. */
    const cpuPerPhoto = async (setting: string) => {
      const clamd = { name: 'clamd', pid: pids[setting]! };
      randomBytes(NONCE_BYTES).copy(photo.bytes, photo.nonceAt);
      const before = cpuSeconds([clamd]).clamd ?? 0;
      const chunks: Buffer[] = [];
      for (let at = 0; at < photo.bytes.length; at += CHUNK_BYTES)
        chunks.push(photo.bytes.subarray(at, at + CHUNK_BYTES));
      const reply = await instream(targets[setting]!, chunks);
      if (reply !== 'stream: OK')
        problems.push(`scanner: ScanImageFuzzyHash ${setting} answered ${JSON.stringify(reply)}`);
      return (cpuSeconds([clamd]).clamd ?? 0) - before;
    };
    const runs = await interleaved(rounds, {
      ours: () => cpuPerPhoto('yes'),
      baseline: () => cpuPerPhoto('no'),
    });
    const perPhoto = { yes: median(runs.ours), no: median(runs.baseline) };
    log(
      `scanner, ${photo.label}: clamd CPU s per photo, ScanImageFuzzyHash yes ${perPhoto.yes.toFixed(2)}, no ${perPhoto.no.toFixed(2)}`,
    );
    // Cores busy scanning 1,000 photos an hour: CPU-seconds per photo × 1000 / 3600.
    const coresPer1000PerHour = (seconds: number) => (seconds * 1000) / 3600;
    return {
      rows: [
        {
          stage: 'scanner',
          measure: `clamd CPU s per ${photo.label}, ScanImageFuzzyHash yes vs no`,
          ours: perPhoto.yes,
          baseline: perPhoto.no,
          ratio: ratio(perPhoto.yes, perPhoto.no),
          target: 'policy: yes (ClamAV default)',
          met: null,
        },
        {
          stage: 'scanner',
          measure: `clamd cores per 1,000 photos/hour (${photo.label}), yes vs no`,
          ours: coresPer1000PerHour(perPhoto.yes),
          baseline: coresPer1000PerHour(perPhoto.no),
          ratio: ratio(perPhoto.yes, perPhoto.no),
          target: '—',
          met: null,
        },
      ],
      details: { stackSetting, runs, perPhoto },
      problems,
    };
  } finally {
    await scratch.stop();
  }
}

export const scannerStage: Stage = { name: 'scanner', run };
