const MiB = 1024 * 1024;

/** Every size, count and time bound of one run; `--quick` shrinks them all. */
export type BenchSettings = {
  readonly mode: 'full' | 'quick';
  /** Interleaved ours/baseline rounds per micro-benchmark; the median is reported. */
  readonly rounds: number;
  readonly uploadApi: {
    readonly connections: number;
    readonly warmupSeconds: number;
    readonly seconds: number;
    /** Count bound of one measured run, whichever of count and time comes first. */
    readonly maxRequests: number;
  };
  readonly presign: { readonly warmupSeconds: number; readonly seconds: number };
  readonly verifier: { readonly bytes: number; readonly smallBytes: number };
  /** Objects the verifier and the scanner stream once each: peak RSS at each size. */
  readonly largeObjects: { readonly sizes: readonly number[] };
  /** One object sent in parts through the API, and with the bare SDK. */
  readonly multipart: { readonly bytes: number; readonly partBytes: number };
  /** Each side scans the bytes `repeats` times per round. */
  readonly scanner: { readonly bytes: number; readonly repeats: number };
  /** The photo the media stage renders and the scanner stage also scans. */
  readonly media: {
    readonly width: number;
    readonly height: number;
    readonly imagesPerRound: number;
  };
  readonly endToEnd: {
    readonly smallFiles: number;
    readonly smallBytes: number;
    readonly mixedFiles: number;
    readonly mixedMinBytes: number;
    readonly mixedMaxBytes: number;
    /** Files sent one at a time through the idle pipeline: each stage's unloaded span. */
    readonly idleProbes: number;
    readonly clientConcurrency: number;
    /** The paced set: the small files again, started at this rate (issue 16: p50 at 150/s). */
    readonly arrivalsPerSecond: number;
    /** Small files sent by one customer, then the same bytes by another: verdict reuse. */
    readonly repeatFiles: number;
    /** Photos only, sent with clamd's image fuzzy hashing on, then off: CPU-seconds per photo. */
    readonly photos: {
      readonly files: number;
      readonly minBytes: number;
      readonly maxBytes: number;
    };
    /** Small files sent again with the hottest Node process under --cpu-prof. */
    readonly profileFiles: number;
    readonly timeoutSeconds: number;
  };
};

export const FULL: BenchSettings = {
  mode: 'full',
  rounds: 3,
  uploadApi: { connections: 32, warmupSeconds: 2, seconds: 8, maxRequests: 30_000 },
  presign: { warmupSeconds: 0.5, seconds: 2 },
  verifier: { bytes: 256 * MiB, smallBytes: 64 * MiB },
  largeObjects: { sizes: [1024 * MiB, 5 * 1024 * MiB] },
  multipart: { bytes: 1024 * MiB, partBytes: 16 * MiB },
  scanner: { bytes: 48 * MiB, repeats: 2 },
  media: { width: 6000, height: 4000, imagesPerRound: 4 },
  endToEnd: {
    smallFiles: 500,
    smallBytes: 4 * 1024,
    mixedFiles: 50,
    mixedMinBytes: 1 * MiB,
    mixedMaxBytes: 20 * MiB,
    idleProbes: 3,
    clientConcurrency: 32,
    arrivalsPerSecond: 150,
    repeatFiles: 100,
    photos: { files: 12, minBytes: 1 * MiB, maxBytes: 20 * MiB },
    profileFiles: 300,
    timeoutSeconds: 180,
  },
};

/** CI's smoke run: every code path once, well under a minute, nothing asserted about speed. */
export const QUICK: BenchSettings = {
  mode: 'quick',
  rounds: 1,
  uploadApi: { connections: 32, warmupSeconds: 1, seconds: 2, maxRequests: 5_000 },
  presign: { warmupSeconds: 0.2, seconds: 0.5 },
  verifier: { bytes: 48 * MiB, smallBytes: 12 * MiB },
  largeObjects: { sizes: [16 * MiB] },
  multipart: { bytes: 16 * MiB, partBytes: 5 * MiB },
  scanner: { bytes: 8 * MiB, repeats: 1 },
  media: { width: 3000, height: 2000, imagesPerRound: 2 },
  endToEnd: {
    smallFiles: 20,
    smallBytes: 4 * 1024,
    mixedFiles: 3,
    mixedMinBytes: 1 * MiB,
    mixedMaxBytes: 3 * MiB,
    idleProbes: 1,
    clientConcurrency: 8,
    arrivalsPerSecond: 150,
    repeatFiles: 5,
    photos: { files: 1, minBytes: 1 * MiB, maxBytes: 3 * MiB },
    profileFiles: 10,
    timeoutSeconds: 30,
  },
};

/** `--arrival-rate`: the paced set's rate, files started per second. */
export function withArrivalRate(settings: BenchSettings, rate: number | undefined): BenchSettings {
  if (rate === undefined) return settings;
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new RangeError(`--arrival-rate must be a positive number of files per second`);
  }
  return { ...settings, endToEnd: { ...settings.endToEnd, arrivalsPerSecond: rate } };
}
