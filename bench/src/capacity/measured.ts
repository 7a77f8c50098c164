import { z } from 'zod';

/**
 * The figures of bench/results.json the capacity model reads, and what it
 * derives from them: CPU per file and per MiB of each of our processes.
 * Only our processes count (apps, PostgreSQL, clamd); the S3/SQS emulators
 * are AWS's side in production.
 */
const MiB = 1024 * 1024;

const cpuSeconds = z.object({
  'upload-api': z.number(),
  verifier: z.number(),
  scanner: z.number(),
  media: z.number(),
  notifier: z.number(),
  postgres: z.number(),
  clamd: z.number(),
});

const set = z.object({ files: z.number().positive(), cpuSeconds });

const runs = z.object({ ours: z.array(z.number()).min(1) });

export const capacityResultsSchema = z.object({
  mode: z.literal('full'),
  startedAt: z.string(),
  machine: z.object({ cpu: z.string(), cores: z.number() }),
  stages: z.object({
    scanner: z.object({ '48 MiB random': z.object({ bytes: z.number(), runs }) }),
    'end-to-end': z.object({
      small: set,
      mixed: set.extend({ kinds: z.array(z.string().regex(/^\w+:\d+$/)).min(1) }),
      photos: z
        .array(
          set.extend({
            set: z.string(),
            filesPerSecond: z.number().positive(),
            mibPerSecond: z.number().positive(),
            perPhotoCpuSeconds: z.object({ scanner: z.number(), media: z.number() }),
          }),
        )
        .min(1),
    }),
    large: z.object({
      measured: z
        .array(
          z.object({
            size: z.number(),
            scanner: z.object({ result: z.string(), ms: z.number() }),
          }),
        )
        .min(1),
    }),
  }),
});

export type CapacityResults = z.infer<typeof capacityResultsSchema>;

export type MeasuredCpu = {
  readonly run: string;
  readonly machine: string;
  /** CPU seconds per 4 KiB file, per process (500 × 4 KiB set). */
  readonly perFile: Readonly<z.infer<typeof cpuSeconds>>;
  /** CPU seconds per MiB beyond the per-file cost, from the 50 mixed files of 1–20 MiB. */
  readonly verifierPerMiB: number;
  readonly scannerPerMiB: number;
  /** clamd seconds per MiB on a 48 MiB random object (documents), and on 1 GiB (videos). */
  readonly clamdPerMiBDocument: number;
  readonly clamdPerMiBVideo: number;
  /** The photo set with clamd's image fuzzy hashing on (the default). */
  readonly photo: {
    readonly meanBytes: number;
    /** scanner + clamd, and media, CPU seconds per photo of meanBytes. */
    readonly scannerSeconds: number;
    readonly mediaSeconds: number;
  };
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export function measuredCpu(results: CapacityResults): MeasuredCpu {
  const e2e = results.stages['end-to-end'];
  const small = e2e.small;
  const perFile = Object.fromEntries(
    Object.entries(small.cpuSeconds).map(([process, seconds]) => [process, seconds / small.files]),
  ) as MeasuredCpu['perFile'];

  const mixed = e2e.mixed;
  const mixedMiB = mixed.kinds.reduce((sum, kind) => sum + Number(kind.split(':')[1]), 0) / MiB;
  const perMiBBeyondFiles = (process: 'verifier' | 'scanner') =>
    (mixed.cpuSeconds[process] - mixed.files * perFile[process]) / mixedMiB;

  const random = results.stages.scanner['48 MiB random'];
  const gib = results.stages.large.measured.find((m) => m.size === 1024 * MiB);
  if (!gib || gib.scanner.result !== 'clean') {
    throw new Error('bench/results.json has no clean 1 GiB scan under stages.large.measured');
  }

  const photos = e2e.photos.find((p) => p.set.includes('fuzzy hash on')) ?? e2e.photos[0]!;
  return {
    run: results.startedAt,
    machine: `${results.machine.cpu}, ${results.machine.cores} cores`,
    perFile,
    verifierPerMiB: perMiBBeyondFiles('verifier'),
    scannerPerMiB: perMiBBeyondFiles('scanner'),
    clamdPerMiBDocument: 1 / median(random.runs.ours),
    clamdPerMiBVideo: gib.scanner.ms / 1000 / 1024,
    photo: {
      meanBytes: (photos.mibPerSecond / photos.filesPerSecond) * MiB,
      scannerSeconds: photos.perPhotoCpuSeconds.scanner,
      mediaSeconds: photos.perPhotoCpuSeconds.media,
    },
  };
}
