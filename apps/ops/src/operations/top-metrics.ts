import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export type Labels = Readonly<Record<string, string>>;
/** One line of a `/metrics` page: a histogram's `_bucket`, `_sum` and `_count` lines are samples too. */
export type Sample = { readonly name: string; readonly labels: Labels; readonly value: number };
/** Selects series by label: a value, any of several, or a pattern. */
export type LabelMatch = Readonly<Record<string, string | readonly string[] | RegExp>>;
/** A histogram's cumulative counts by upper bound (`le`), +Inf included. */
export type Buckets = ReadonlyMap<number, number>;

const sampleValue = (text: string | undefined): number => {
  if (text === undefined) return Number.NaN;
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  return Number(text);
};

/** Every sample of a Prometheus text page, flat. */
export function parseMetrics(text: string): Sample[] {
  // The library groups a histogram's buckets by `le` alone, merging the series
  // of every other label set into one; typed `untyped`, each `_bucket`, `_sum`
  // and `_count` line stays a sample with all its labels.
  const untyped = text.replace(/^# TYPE (\S+) (?:histogram|summary)[ \t]*$/gm, '# TYPE $1 untyped');
  return parsePrometheusTextFormat(untyped).flatMap((family) =>
    family.metrics.map((sample) => ({
      name: family.name,
      labels: sample.labels ?? {},
      value: sampleValue(sample.value),
    })),
  );
}

const matches = (labels: Labels, match: LabelMatch): boolean =>
  Object.entries(match).every(([name, wanted]) => {
    const value = labels[name] ?? '';
    if (typeof wanted === 'string') return value === wanted;
    return wanted instanceof RegExp ? wanted.test(value) : wanted.includes(value);
  });

/** The sum of a metric's matching series; `undefined` when it has none. */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  match: LabelMatch = {},
): number | undefined {
  let sum: number | undefined;
  for (const sample of samples) {
    if (sample.name === name && matches(sample.labels, match)) sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

/** The largest value of a gauge's matching series (one sampler reports it; stale replicas may too). */
export function maxOf(
  samples: readonly Sample[],
  name: string,
  match: LabelMatch = {},
): number | undefined {
  let max: number | undefined;
  for (const sample of samples) {
    if (sample.name === name && matches(sample.labels, match))
      max = max === undefined ? sample.value : Math.max(max, sample.value);
  }
  return max;
}

/** Each value a label takes on a metric's series, with the sum of its series. */
export function sumBy(
  samples: readonly Sample[],
  name: string,
  label: string,
): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label] ?? '';
    sums[key] = (sums[key] ?? 0) + sample.value;
  }
  return sums;
}

/** A histogram's buckets summed over its matching series; `undefined` when it has none. */
export function bucketsOf(
  samples: readonly Sample[],
  histogram: string,
  match: LabelMatch = {},
): Buckets | undefined {
  const bucketName = `${histogram}_bucket`;
  let buckets: Map<number, number> | undefined;
  for (const sample of samples) {
    if (sample.name !== bucketName || !matches(sample.labels, match)) continue;
    const le = sampleValue(sample.labels.le);
    if (Number.isNaN(le)) continue;
    buckets ??= new Map();
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  return buckets;
}

/** A counter's increase between two readings: a lower reading means the process restarted at zero. */
export const increase = (before: number, after: number): number =>
  after >= before ? after - before : after;

/** Each bucket's increase; if any went down the process restarted, and the new counts are the increase. */
export function bucketIncrease(before: Buckets | undefined, after: Buckets): Buckets {
  if (before === undefined) return after;
  const delta = new Map<number, number>();
  for (const [le, count] of after) {
    const previous = before.get(le) ?? 0;
    if (count < previous) return after;
    delta.set(le, count - previous);
  }
  return delta;
}

/** Adds bucket counts (several processes of one stage). */
export function addBuckets(all: readonly Buckets[]): Buckets | undefined {
  if (all.length === 0) return undefined;
  const sum = new Map<number, number>();
  for (const buckets of all)
    for (const [le, count] of buckets) sum.set(le, (sum.get(le) ?? 0) + count);
  return sum;
}

/**
 * The q-quantile of the observations counted in cumulative buckets, as
 * Prometheus' `histogram_quantile` estimates it: linear within the bucket it
 * falls in, the highest finite bound when it falls in +Inf; `null` with no
 * observations.
 */
export function histogramQuantile(q: number, buckets: Buckets | undefined): number | null {
  if (buckets === undefined) return null;
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const last = sorted.at(-1);
  if (last === undefined || last[0] !== Number.POSITIVE_INFINITY || last[1] <= 0) return null;
  const rank = q * last[1];
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank && count > lowerCount) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      if (le <= 0) return le;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
