export type Summary = {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
};

/** Nearest-rank percentile of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    mean: values.length
      ? values.reduce((sum, value) => sum + value, 0) / values.length
      : Number.NaN,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** ours ÷ baseline, or null when either side is missing. */
export function ratio(ours: number | null, baseline: number | null): number | null {
  if (ours === null || baseline === null || !Number.isFinite(ours) || !baseline) return null;
  return ours / baseline;
}

/** The median of each side over interleaved rounds, so a noisy neighbour hits both alike. */
export async function interleaved<T>(
  rounds: number,
  sides: { ours: () => Promise<T>; baseline: () => Promise<T> },
): Promise<{ ours: T[]; baseline: T[] }> {
  const ours: T[] = [];
  const baseline: T[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first: neither always inherits a warm (or hot) machine.
    if (round % 2 === 0) {
      baseline.push(await sides.baseline());
      ours.push(await sides.ours());
    } else {
      ours.push(await sides.ours());
      baseline.push(await sides.baseline());
    }
  }
  return { ours, baseline };
}

/** Calls `operation` back to back for `seconds`; completed calls per second. */
export async function callsPerSecond(
  operation: () => Promise<unknown>,
  seconds: number,
): Promise<number> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let calls = 0;
  while (performance.now() < until) {
    await operation();
    calls++;
  }
  return calls / ((performance.now() - started) / 1000);
}

export const MiB = 1024 * 1024;
export const mibPerSecond = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);
