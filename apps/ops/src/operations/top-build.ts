import type { QueueDepth } from '@airlock/sqs';
import {
  addBuckets,
  bucketIncrease,
  bucketsOf,
  histogramQuantile,
  increase,
  maxOf,
  sumBy,
  sumOf,
  type Buckets,
  type LabelMatch,
  type Sample,
} from './top-metrics.ts';
import {
  STAGE_QUEUES,
  TOP_STAGES,
  type StageSnapshot,
  type TopSnapshot,
  type TopStage,
} from './top-snapshot.ts';

/** One `/metrics` page as read: its samples, or why it did not answer. */
export type TargetReading = {
  readonly url: string;
  /** Named with the URL, else from its samples' `service` label. */
  readonly stage: TopStage | null;
  readonly samples: readonly Sample[] | null;
  readonly error: string | null;
};

/** Everything read at one moment; two readings make a snapshot's rates. */
export type TopReading = {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly targets: readonly TargetReading[];
  /** From SQS, by source queue name; a queue missing here falls back to the sampler's gauges. */
  readonly queues: Readonly<Record<string, { depth: QueueDepth; dlqDepth: number }>>;
  readonly scanner: TopSnapshot['scanner'];
  readonly uploads: TopSnapshot['uploads'];
  readonly problems: readonly string[];
};

/** The stage a process serves, from its registry's `service` label. */
export function stageOfService(service: string | undefined): TopStage | null {
  if (service === 'upload-api') return 'api';
  return (TOP_STAGES as readonly string[]).includes(service ?? '') ? (service as TopStage) : null;
}

const FAILED_OUTCOMES = ['retried', 'dead_lettered', 'permanent'];
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
/** A queue's name, alone or with a deployment's prefix (`prod-scan-jobs`). */
const queueNamed = (name: string): RegExp => new RegExp(`^(?:.*[-_])?${name}$`);

/** One stage's processes in two readings: sums over those up now, increases over those up in both. */
function stageSeries(stage: TopStage, previous: TopReading | undefined, current: TopReading) {
  const up = current.targets.filter((t) => t.stage === stage && t.samples !== null);
  const before = new Map(
    (previous?.targets ?? []).filter((t) => t.samples !== null).map((t) => [t.url, t.samples!]),
  );
  const pairs = up.flatMap((t): [readonly Sample[], readonly Sample[]][] => {
    const was = before.get(t.url);
    return was ? [[was, t.samples!]] : [];
  });
  const intervalSeconds = previous ? (current.at - previous.at) / 1000 : undefined;

  /** `null` when no process has the metric; 0 when none of its series match. */
  const total = (name: string, match: LabelMatch = {}): number | null => {
    if (!up.some((t) => sumOf(t.samples!, name) !== undefined)) return null;
    return up.reduce((sum, t) => sum + (sumOf(t.samples!, name, match) ?? 0), 0);
  };
  const perSecond = (name: string, match: LabelMatch = {}): number | null => {
    if (!intervalSeconds || pairs.length === 0 || total(name, match) === null) return null;
    const grown = pairs.reduce(
      (sum, [was, now]) =>
        sum + increase(sumOf(was, name, match) ?? 0, sumOf(now, name, match) ?? 0),
      0,
    );
    return round(grown / intervalSeconds);
  };
  const quantiles = (histogram: string) => {
    const increases = pairs.flatMap(([was, now]) => {
      const after = bucketsOf(now, histogram);
      return after ? [bucketIncrease(bucketsOf(was, histogram), after)] : [];
    });
    const window: Buckets | undefined = addBuckets(increases);
    const quantile = (q: number) => {
      const value = histogramQuantile(q, window);
      return value === null ? null : round(value, 6);
    };
    return { p50Seconds: quantile(0.5), p95Seconds: quantile(0.95) };
  };
  const byLabel = (name: string, label: string): Record<string, number> => {
    const sums: Record<string, number> = {};
    for (const t of up)
      for (const [key, value] of Object.entries(sumBy(t.samples!, name, label)))
        sums[key] = (sums[key] ?? 0) + value;
    return sums;
  };
  const down = current.targets.filter((t) => t.stage === stage && t.samples === null).length;
  return { up, down, total, perSecond, quantiles, byLabel };
}

/** A gauge of the queue sampler, from whichever process reports it. */
function sampledGauge(reading: TopReading, name: string, match: LabelMatch): number | null {
  let max: number | undefined;
  for (const t of reading.targets) {
    const value = t.samples ? maxOf(t.samples, name, match) : undefined;
    if (value !== undefined) max = Math.max(max ?? value, value);
  }
  return max ?? null;
}

function sampledDepth(reading: TopReading, queue: string): QueueDepth | null {
  const state = (s: string) =>
    sampledGauge(reading, 'airlock_queue_depth', { queue: queueNamed(queue), state: s });
  const [visible, inFlight, delayed] = [state('visible'), state('in_flight'), state('delayed')];
  if (visible === null && inFlight === null && delayed === null) return null;
  return { visible: visible ?? 0, inFlight: inFlight ?? 0, delayed: delayed ?? 0 };
}

function stageSnapshot(
  stage: TopStage,
  previous: TopReading | undefined,
  current: TopReading,
): StageSnapshot {
  const series = stageSeries(stage, previous, current);
  const queue = STAGE_QUEUES[stage];
  const api = stage === 'api';
  const handled = api
    ? 'airlock_http_request_duration_seconds_count'
    : 'airlock_queue_messages_total';
  const failed: LabelMatch = api ? { status: /^5/ } : { outcome: FAILED_OUTCOMES };
  const cpu = series.perSecond('process_cpu_seconds_total');
  const fromSqs = queue ? current.queues[queue] : undefined;
  const dlqGauge = queue ? sampledDepth(current, `${queue}-dlq`) : null;
  return {
    stage,
    queue,
    processes: { up: series.up.length, down: series.down },
    total: series.total(handled),
    ratePerSecond: series.perSecond(handled),
    outcomes: api
      ? series.byLabel('airlock_upload_requests_total', 'outcome')
      : series.byLabel('airlock_queue_messages_total', 'outcome'),
    failures: {
      total: series.total(handled, failed),
      perSecond: series.perSecond(handled, failed),
    },
    inFlight: api ? null : series.total('airlock_queue_messages_in_flight'),
    latency: series.quantiles(
      api ? 'airlock_http_request_duration_seconds' : 'airlock_queue_message_handling_seconds',
    ),
    wait: api
      ? { p50Seconds: null, p95Seconds: null }
      : series.quantiles('airlock_queue_message_wait_seconds'),
    queueDepth: queue ? (fromSqs?.depth ?? sampledDepth(current, queue)) : null,
    oldestAgeSeconds: queue
      ? sampledGauge(current, 'airlock_queue_oldest_message_age_seconds', {
          queue: queueNamed(queue),
        })
      : null,
    dlqDepth: queue
      ? (fromSqs?.dlqDepth ??
        (dlqGauge ? dlqGauge.visible + dlqGauge.inFlight + dlqGauge.delayed : null))
      : null,
    cpuPercent: cpu === null ? null : round(cpu * 100, 1),
    memoryBytes: series.total('process_resident_memory_bytes'),
  };
}

function outboxOf(reading: TopReading): TopSnapshot['outbox'] {
  const backlog = sampledGauge(reading, 'airlock_outbox_backlog', {});
  if (backlog === null) return null;
  const oldest = sampledGauge(reading, 'airlock_outbox_oldest_age_seconds', {});
  return { backlog, oldestAgeSeconds: oldest ?? 0 };
}

/** The view of `current`, with rates and quantiles over the time since `previous`. */
export function buildSnapshot(previous: TopReading | undefined, current: TopReading): TopSnapshot {
  return {
    version: 1,
    at: new Date(current.at).toISOString(),
    intervalSeconds: previous ? round((current.at - previous.at) / 1000) : null,
    stages: TOP_STAGES.map((stage) => stageSnapshot(stage, previous, current)),
    scanner: current.scanner,
    outbox: outboxOf(current),
    uploads: current.uploads,
    targets: current.targets.map((t) => ({
      url: t.url,
      stage: t.stage,
      up: t.samples !== null,
      error: t.error,
    })),
    problems: [...current.problems],
  };
}
