import { z } from 'zod';
import { cidrList, envBoolean, envInt, parseEnv } from './parse-env.ts';
import { queueUrl, toWorkerConfig, workerEnv, type WorkerConfig } from './worker.config.ts';

const MAX_VISIBILITY_SECONDS = 43_200;

/** Seconds to wait after the 1st, 2nd, … failed attempt; the last one repeats. */
const retryDelays = z
  .string()
  .optional()
  .transform((value, ctx): number[] => {
    const text = value?.trim() ? value : '30,120,600,1800,3600';
    const delays = text.split(',').map((entry) => Number(entry.trim()));
    if (delays.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_VISIBILITY_SECONDS)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected comma-separated whole seconds, 0 to ${MAX_VISIBILITY_SECONDS}`,
      });
      return z.NEVER;
    }
    return delays;
  });

const notifierEnv = z
  .object({
    WEBHOOK_JOBS_QUEUE_URL: queueUrl,
    WEBHOOK_JOBS_DLQ_URL: queueUrl,
    WEBHOOK_ALLOWED_CIDRS: cidrList,
    WEBHOOK_ALLOW_HTTP: envBoolean(false),
    WEBHOOK_TIMEOUT_MS: envInt(10_000, 100),
    WEBHOOK_MAX_REDIRECTS: envInt(3, 0),
    WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: envInt(4, 1),
    WEBHOOK_RETRY_DELAYS_SECONDS: retryDelays,
    WEBHOOK_RELAY_INTERVAL_MS: envInt(500, 10),
    WEBHOOK_RELAY_BATCH_SIZE: envInt(50, 1),
  })
  .extend(workerEnv.shape)
  // Deliveries mostly wait on the network: more at once than the CPU-bound workers.
  .extend({ WORKER_CONCURRENCY: envInt(16, 1) });

export type NotifierConfig = WorkerConfig & {
  readonly queues: { webhookJobs: string; webhookJobsDlq: string };
  readonly delivery: {
    readonly allowedCidrs: readonly string[];
    readonly allowHttp: boolean;
    readonly timeoutMs: number;
    readonly maxRedirects: number;
    /** Attempts to one customer's endpoint at once, per notifier process. */
    readonly maxInFlightPerEndpoint: number;
    readonly retryDelaysSeconds: readonly number[];
  };
  readonly relay: { readonly intervalMs: number; readonly batchSize: number };
};

export function loadNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const parsed = parseEnv(notifierEnv, env);
  return Object.freeze({
    ...toWorkerConfig(parsed),
    queues: {
      webhookJobs: parsed.WEBHOOK_JOBS_QUEUE_URL,
      webhookJobsDlq: parsed.WEBHOOK_JOBS_DLQ_URL,
    },
    delivery: {
      allowedCidrs: parsed.WEBHOOK_ALLOWED_CIDRS,
      allowHttp: parsed.WEBHOOK_ALLOW_HTTP,
      timeoutMs: parsed.WEBHOOK_TIMEOUT_MS,
      maxRedirects: parsed.WEBHOOK_MAX_REDIRECTS,
      maxInFlightPerEndpoint: parsed.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT,
      retryDelaysSeconds: parsed.WEBHOOK_RETRY_DELAYS_SECONDS,
    },
    relay: {
      intervalMs: parsed.WEBHOOK_RELAY_INTERVAL_MS,
      batchSize: parsed.WEBHOOK_RELAY_BATCH_SIZE,
    },
  });
}
