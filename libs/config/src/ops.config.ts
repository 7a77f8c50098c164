import { z } from 'zod';
import { awsEnv, bucketsEnv, databaseEnv, toAwsConfig, type AwsConfig } from './common.config.ts';
import { parseEnv } from './parse-env.ts';
import { retentionEnv, toRetentionSettings, type RetentionSettings } from './retention.config.ts';
import { queueUrl } from './worker.config.ts';

/** The source queues, by the names operators use, with the variables naming them and their DLQ. */
const QUEUE_VARIABLES = {
  'upload-events': { url: 'UPLOAD_EVENTS_QUEUE_URL', dlqUrl: 'UPLOAD_EVENTS_DLQ_URL' },
  'scan-jobs': { url: 'SCAN_JOBS_QUEUE_URL', dlqUrl: 'SCAN_JOBS_DLQ_URL' },
  'media-jobs': { url: 'MEDIA_JOBS_QUEUE_URL', dlqUrl: 'MEDIA_JOBS_DLQ_URL' },
  'webhook-jobs': { url: 'WEBHOOK_JOBS_QUEUE_URL', dlqUrl: 'WEBHOOK_JOBS_DLQ_URL' },
} as const;

export type OpsQueue = keyof typeof QUEUE_VARIABLES;
export const OPS_QUEUES = Object.keys(QUEUE_VARIABLES) as readonly OpsQueue[];

/** `[stage=]url`: one `/metrics` page, named by the stage it serves or not. */
export function parseMetricsTarget(entry: string): MetricsTarget {
  const named = /^([a-z][a-z0-9-]*)=(.+)$/.exec(entry.trim());
  const url = named ? named[2]! : entry.trim();
  if (!z.url({ protocol: /^https?$/ }).safeParse(url).success)
    throw new Error(`expected [stage=]http(s)://host:port/metrics, got "${entry}"`);
  return { stage: named?.[1], url };
}

const metricsTargets = z
  .string()
  .optional()
  .transform((value, ctx): MetricsTarget[] => {
    const entries = (value ?? '').split(',').filter((entry) => entry.trim() !== '');
    try {
      return entries.map(parseMetricsTarget);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

// Every variable is checked when set; which must be set depends on the command
// (`airlock customers add` needs no queue), so presence is checked on use.
const opsEnv = z
  .object({
    UPLOAD_EVENTS_QUEUE_URL: queueUrl.optional(),
    UPLOAD_EVENTS_DLQ_URL: queueUrl.optional(),
    SCAN_JOBS_QUEUE_URL: queueUrl.optional(),
    SCAN_JOBS_DLQ_URL: queueUrl.optional(),
    MEDIA_JOBS_QUEUE_URL: queueUrl.optional(),
    MEDIA_JOBS_DLQ_URL: queueUrl.optional(),
    WEBHOOK_JOBS_QUEUE_URL: queueUrl.optional(),
    WEBHOOK_JOBS_DLQ_URL: queueUrl.optional(),
    AIRLOCK_METRICS_URLS: metricsTargets,
  })
  .extend(databaseEnv.partial().shape)
  .extend(retentionEnv.shape)
  .extend(awsEnv.shape)
  .extend(bucketsEnv.shape);

type OpsEnv = z.output<typeof opsEnv>;

/** A `/metrics` page `airlock top` reads, with the stage it serves when named (`scanner=http://…`). */
export type MetricsTarget = { readonly stage: string | undefined; readonly url: string };

export type OpsConfig = {
  readonly aws: AwsConfig;
  readonly buckets: { readonly uploads: string };
  /** `DATABASE_URL`; throws when it is not set. */
  databaseUrl(): string;
  /** The queue's URL, e.g. `SCAN_JOBS_QUEUE_URL`; throws when it is not set. */
  queueUrl(queue: OpsQueue): string;
  /** Its dead-letter queue's URL, e.g. `SCAN_JOBS_DLQ_URL`; throws when it is not set. */
  dlqUrl(queue: OpsQueue): string;
  /** `AIRLOCK_METRICS_URLS`: the processes' `/metrics` pages; empty when it is not set. */
  readonly metricsTargets: readonly MetricsTarget[];
  /** What `airlock db prune` keeps, and for how long. */
  readonly retention: RetentionSettings;
};

/** The `airlock` CLI's settings: read once, each command taking what it needs. */
export function loadOpsConfig(env: NodeJS.ProcessEnv = process.env): OpsConfig {
  const parsed = parseEnv(opsEnv, env);
  const required = (name: keyof OpsEnv): string => {
    const value = parsed[name];
    if (typeof value !== 'string')
      throw new Error(`Set ${name}, or start the local stack with \`airlock dev up\``);
    return value;
  };
  return Object.freeze({
    aws: toAwsConfig(parsed),
    buckets: { uploads: parsed.UPLOADS_BUCKET },
    databaseUrl: () => required('DATABASE_URL'),
    queueUrl: (queue: OpsQueue) => required(QUEUE_VARIABLES[queue].url),
    dlqUrl: (queue: OpsQueue) => required(QUEUE_VARIABLES[queue].dlqUrl),
    metricsTargets: parsed.AIRLOCK_METRICS_URLS,
    retention: toRetentionSettings(parsed),
  });
}
