import { createRequire } from 'node:module';

type ParsedSample = { value?: string; labels?: Record<string, string> };
type ParsedFamily = { name: string; type: string; metrics: ParsedSample[] };

// Through require, typed here: apps/ops declares the module for itself.
const parsePrometheusTextFormat = createRequire(import.meta.url)(
  'parse-prometheus-text-format',
) as (text: string) => ParsedFamily[];

/**
 * One scrape of a `/metrics` page, parsed (parse-prometheus-text-format),
 * asked by name and labels. A histogram is asked by its `_count` series.
 */
export class MetricsScrape {
  readonly #families: Map<string, ParsedFamily>;

  constructor(text: string) {
    // The parser folds every series of a histogram into one, labels lost: without
    // its TYPE line, each of `_bucket`, `_sum` and `_count` is a family of its own.
    const untyped = text.replace(/^# TYPE \S+ histogram$/gm, '');
    // (one family each time the name recurs, between another label set's buckets).
    this.#families = new Map();
    for (const family of parsePrometheusTextFormat(untyped)) {
      const known = this.#families.get(family.name);
      if (known) known.metrics.push(...family.metrics);
      else this.#families.set(family.name, family);
    }
  }

  static async of(url: string): Promise<MetricsScrape> {
    return MetricsScrape.ofAll([url]);
  }

  /** Several processes' pages as one: a stage's replicas, their samples summed. */
  static async ofAll(urls: readonly string[]): Promise<MetricsScrape> {
    const texts = await Promise.all(
      urls.map(async (url) => {
        const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        return response.text();
      }),
    );
    return new MetricsScrape(texts.join('\n'));
  }

  has(name: string): boolean {
    return this.#families.has(name);
  }

  /**
   * The sum over the samples of `name` whose labels include `labels` (a
   * counter's or gauge's value; a histogram's `name_count`). 0 when none match.
   */
  value(name: string, labels: Record<string, string> = {}): number {
    const family = this.#families.get(name);
    if (!family) return 0;
    return family.metrics
      .filter((sample) =>
        Object.entries(labels).every(([label, value]) => sample.labels?.[label] === value),
      )
      .reduce((total, sample) => total + Number(sample.value ?? 0), 0);
  }

  /** The label sets `name` has samples for. */
  labelSets(name: string): Array<Record<string, string>> {
    return (this.#families.get(name)?.metrics ?? []).map((sample) => sample.labels ?? {});
  }
}

/**
 * Every `/metrics` page of the local stack by stage, from `AIRLOCK_METRICS_URLS`
 * (`stage=url,…`): one per process, so several for a stage with replicas.
 */
export function stackMetricsPages(env: NodeJS.ProcessEnv = process.env): Record<string, string[]> {
  const value = env.AIRLOCK_METRICS_URLS;
  if (!value) throw new Error('AIRLOCK_METRICS_URLS is not set: is the local stack up?');
  const pages: Record<string, string[]> = {};
  for (const entry of value.split(',')) {
    const [stage, url] = entry.split('=', 2);
    (pages[stage!] ??= []).push(url!);
  }
  return pages;
}

/** The first process's `/metrics` page of each stage (the only one without replicas). */
export const stackMetricsUrls = (env: NodeJS.ProcessEnv = process.env): Record<string, string> =>
  Object.fromEntries(
    Object.entries(stackMetricsPages(env)).map(([stage, urls]) => [stage, urls[0]!]),
  );
