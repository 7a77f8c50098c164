import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256Of } from '@airlock/testing';
import { runChild } from '../child.ts';
import type { VerifierReadInput, VerifierReadResult } from '../probes/verifier-read.ts';
import { interleaved, median, MiB, mibPerSecond, ratio } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

const VERIFIER_READ = new URL('../probes/verifier-read.ts', import.meta.url);

/**
 * Peak RSS counts as independent of size when streaming the larger object
 * raised it by less than a quarter of the extra bytes: holding the object, or
 * any fixed fraction of it, would show as growth in proportion.
 */
const MAX_RSS_GROWTH_PER_BYTE = 0.25;

async function run({ stack, settings, log }: StageContext): Promise<StageResult> {
  const { s3 } = stack.clients;
  const bucket = stack.env.SANDBOX_BUCKET!;
  const sizes = { large: settings.verifier.bytes, small: settings.verifier.smallBytes };
  const keys = {
    large: `bench/${stack.runId}/verifier-large.bin`,
    small: `bench/${stack.runId}/verifier-small.bin`,
  };
  const hashes: Record<string, string> = {};
  for (const size of ['large', 'small'] as const) {
    let bytes: Buffer | undefined = randomBytes(sizes[size]);
    hashes[size] = sha256Of(bytes);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keys[size],
        Body: bytes,
        ContentLength: bytes.length,
      }),
    );
    bytes = undefined;
  }
  const read = (mode: VerifierReadInput['mode'], size: 'large' | 'small') =>
    runChild<VerifierReadResult>(VERIFIER_READ, { mode, bucket, key: keys[size] }, 120_000);

  try {
    const problems: string[] = [];
    const check = (result: VerifierReadResult, size: 'large' | 'small') => {
      if (result.bytes !== sizes[size])
        problems.push(`verifier: read ${result.bytes} of ${sizes[size]} bytes`);
      if (result.sha256Hex !== undefined && result.sha256Hex !== hashes[size])
        problems.push('verifier: inspectStream hashed the object wrong');
      return result;
    };
    const smallPeaks: VerifierReadResult[] = [];
    const runs = await interleaved(settings.rounds, {
      ours: async () => {
        smallPeaks.push(check(await read('inspect', 'small'), 'small'));
        return check(await read('inspect', 'large'), 'large');
      },
      baseline: async () => check(await read('plain', 'large'), 'large'),
    });
    const speed = (results: VerifierReadResult[]) =>
      median(results.map((result) => mibPerSecond(result.bytes, result.ms)));
    const throughput = { ours: speed(runs.ours), baseline: speed(runs.baseline) };
    const peaks = {
      ours: median(runs.ours.map((result) => result.peakRssMiB)),
      baseline: median(smallPeaks.map((result) => result.peakRssMiB)),
    };
    const extraMiB = (sizes.large - sizes.small) / MiB;
    const growthMiB = peaks.ours - peaks.baseline;
    const throughputRatio = ratio(throughput.ours, throughput.baseline);
    log(
      `verifier: inspect ${throughput.ours.toFixed(0)} MiB/s, plain GET ${throughput.baseline.toFixed(0)} MiB/s; ` +
        `peak RSS ${peaks.baseline.toFixed(0)} → ${peaks.ours.toFixed(0)} MiB`,
    );
    const label = (bytes: number) => `${bytes / MiB} MiB`;
    return {
      rows: [
        {
          stage: 'verifier',
          measure: `MiB/s, ${label(sizes.large)} object`,
          ...throughput,
          ratio: throughputRatio,
          target: '≥ 0.8× plain GET',
          met: throughputRatio === null ? null : throughputRatio >= 0.8,
        },
        {
          stage: 'verifier',
          measure: `peak RSS MiB, ${label(sizes.large)} vs ${label(sizes.small)}`,
          ...peaks,
          ratio: ratio(peaks.ours, peaks.baseline),
          target: 'independent of size',
          met: growthMiB < MAX_RSS_GROWTH_PER_BYTE * extraMiB,
        },
      ],
      details: {
        sizes,
        runs,
        smallObjectRuns: smallPeaks,
        rssGrowthMiB: growthMiB,
        rssGrowthAllowedMiB: MAX_RSS_GROWTH_PER_BYTE * extraMiB,
      },
      problems,
    };
  } finally {
    for (const key of Object.values(keys)) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  }
}

export const verifierStage: Stage = { name: 'verifier', run };
