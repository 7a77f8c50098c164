import { z } from 'zod';

/** The pipeline's stages, in the order an upload passes them. */
export const TOP_STAGES = ['api', 'verifier', 'scanner', 'media', 'notifier'] as const;
export type TopStage = (typeof TOP_STAGES)[number];

/** The source queue each worker consumes (the names `airlock dlq` uses). */
export const STAGE_QUEUES = {
  api: null,
  verifier: 'upload-events',
  scanner: 'scan-jobs',
  media: 'media-jobs',
  notifier: 'webhook-jobs',
} as const satisfies Record<TopStage, string | null>;

const count = z.number().nonnegative();
const seconds = z.number().nonnegative().nullable();
const quantiles = z.object({ p50Seconds: seconds, p95Seconds: seconds });
const queueDepth = z.object({ visible: count, inFlight: count, delayed: count });

const stageSnapshot = z.object({
  stage: z.enum(TOP_STAGES),
  /** The source queue it consumes; `null` for the api. */
  queue: z.string().nullable(),
  /** Its `/metrics` pages that answered and those that did not. */
  processes: z.object({ up: count, down: count }),
  /** Requests (api) or messages handled since its processes started; `null` when unknown. */
  total: count.nullable(),
  /** `total`'s increase per second over the interval. */
  ratePerSecond: count.nullable(),
  /**
   * Since start, by outcome: api, uploads created/duplicate/refused
   * (`airlock_upload_requests_total`); workers, messages done/retried/
   * dead_lettered/permanent (`airlock_queue_messages_total`).
   */
  outcomes: z.record(z.string(), count),
  /** api: 5xx responses; workers: messages retried, dead-lettered or failed permanently. */
  failures: z.object({ total: count.nullable(), perSecond: count.nullable() }),
  /** Messages being handled now (`airlock_queue_messages_in_flight`). */
  inFlight: count.nullable(),
  /** Request or handling time over the interval, from the histogram buckets' increase. */
  latency: quantiles,
  /** Time messages waited in the queue before they were received, over the interval. */
  wait: quantiles,
  /** Its source queue: visible, in flight (received, not deleted), delayed. */
  queueDepth: queueDepth.nullable(),
  /** The oldest message's age on its source queue, where a sampler reports it. */
  oldestAgeSeconds: seconds,
  /** Messages on its dead-letter queue. */
  dlqDepth: count.nullable(),
  /** CPU used by its processes over the interval (100 = one core). */
  cpuPercent: count.nullable(),
  /** Resident memory of its processes. */
  memoryBytes: count.nullable(),
});

/** `airlock top --once --json`: version 1 of the shape; fields are only ever added. */
export const TOP_SNAPSHOT_SCHEMA = z.object({
  version: z.literal(1),
  at: z.iso.datetime(),
  /** The time rates and quantiles cover; `null` on a single reading. */
  intervalSeconds: z.number().positive().nullable(),
  stages: z.array(stageSnapshot),
  /** From the latest row of upload_scans; `null` without a database or a scan. */
  scanner: z
    .object({ engine: z.string(), signatures: z.string(), lastScanAt: z.iso.datetime() })
    .nullable(),
  /** Webhook deliveries written and not yet relayed to webhook-jobs, from the notifier's sampler. */
  outbox: z.object({ backlog: count, oldestAgeSeconds: count }).nullable(),
  /** Uploads with a transition in the last `windowMinutes`, by their state now. */
  uploads: z
    .object({
      windowMinutes: z.number().positive(),
      byState: z.record(z.string(), count),
      /** More transitions than one reading counts (the most recent ones were). */
      truncated: z.boolean(),
    })
    .nullable(),
  /** Every `/metrics` page read, and whether it answered. */
  targets: z.array(
    z.object({
      url: z.string(),
      stage: z.string().nullable(),
      up: z.boolean(),
      error: z.string().nullable(),
    }),
  ),
  /** What could not be read (SQS, PostgreSQL, a missing setting), one line each. */
  problems: z.array(z.string()),
});

export type TopSnapshot = z.infer<typeof TOP_SNAPSHOT_SCHEMA>;
export type StageSnapshot = z.infer<typeof stageSnapshot>;
