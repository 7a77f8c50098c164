import { z } from 'zod';
import type { LimitsPolicy } from '@airlock/core';
import {
  awsEnv,
  bucketsEnv,
  databaseEnv,
  loggingEnv,
  toAwsConfig,
  type AwsConfig,
} from './common.config.ts';
import { envInt, parseEnv } from './parse-env.ts';
import {
  consumerEnv,
  queueUrl,
  toConsumerConfig,
  toHealthConfig,
  type ConsumerConfig,
  type HealthConfig,
} from './worker.config.ts';

const scannerEnv = z
  .object({
    SCAN_JOBS_QUEUE_URL: queueUrl,
    SCAN_JOBS_DLQ_URL: queueUrl,
    MEDIA_JOBS_QUEUE_URL: queueUrl,
    CLAMD_HOST: z.string().min(1).default('127.0.0.1'),
    CLAMD_PORT: envInt(3310, 1),
    CLAMD_TIMEOUT_MS: envInt(120_000, 1000),
    SCAN_LIMITS_POLICY: z.enum(['quarantine', 'hold']).default('quarantine'),
  })
  .extend(loggingEnv.shape)
  .extend(databaseEnv.shape)
  .extend(awsEnv.shape)
  .extend(bucketsEnv.shape)
  .extend(consumerEnv.shape);

export type ScannerConfig = {
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly aws: AwsConfig;
  readonly buckets: { uploads: string; quarantine: string };
  readonly queues: { scanJobs: string; scanJobsDlq: string; mediaJobs: string };
  readonly clamd: { host: string; port: number; timeoutMs: number };
  readonly limitsPolicy: LimitsPolicy;
  readonly consumer: ConsumerConfig;
  readonly health: HealthConfig;
};

export function loadScannerConfig(env: NodeJS.ProcessEnv = process.env): ScannerConfig {
  const parsed = parseEnv(scannerEnv, env);
  return Object.freeze({
    logLevel: parsed.LOG_LEVEL,
    databaseUrl: parsed.DATABASE_URL,
    aws: toAwsConfig(parsed),
    buckets: { uploads: parsed.UPLOADS_BUCKET, quarantine: parsed.QUARANTINE_BUCKET },
    queues: {
      scanJobs: parsed.SCAN_JOBS_QUEUE_URL,
      scanJobsDlq: parsed.SCAN_JOBS_DLQ_URL,
      mediaJobs: parsed.MEDIA_JOBS_QUEUE_URL,
    },
    clamd: { host: parsed.CLAMD_HOST, port: parsed.CLAMD_PORT, timeoutMs: parsed.CLAMD_TIMEOUT_MS },
    limitsPolicy: parsed.SCAN_LIMITS_POLICY,
    consumer: toConsumerConfig(parsed),
    health: toHealthConfig(parsed),
  });
}
