import { z } from 'zod';
import {
  awsEnv,
  bucketsEnv,
  databaseEnv,
  loggingEnv,
  toAwsConfig,
  type AwsConfig,
} from './common.config.ts';
import { parseEnv } from './parse-env.ts';
import {
  consumerEnv,
  queueUrl,
  toConsumerConfig,
  toHealthConfig,
  type ConsumerConfig,
  type HealthConfig,
} from './worker.config.ts';

const verifierEnv = z
  .object({
    UPLOAD_EVENTS_QUEUE_URL: queueUrl,
    UPLOAD_EVENTS_DLQ_URL: queueUrl,
    SCAN_JOBS_QUEUE_URL: queueUrl,
  })
  .extend(loggingEnv.shape)
  .extend(databaseEnv.shape)
  .extend(awsEnv.shape)
  .extend(bucketsEnv.shape)
  .extend(consumerEnv.shape);

export type VerifierConfig = {
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly aws: AwsConfig;
  readonly buckets: { uploads: string; quarantine: string };
  readonly queues: { uploadEvents: string; uploadEventsDlq: string; scanJobs: string };
  readonly consumer: ConsumerConfig;
  readonly health: HealthConfig;
};

export function loadVerifierConfig(env: NodeJS.ProcessEnv = process.env): VerifierConfig {
  const parsed = parseEnv(verifierEnv, env);
  return Object.freeze({
    logLevel: parsed.LOG_LEVEL,
    databaseUrl: parsed.DATABASE_URL,
    aws: toAwsConfig(parsed),
    buckets: { uploads: parsed.UPLOADS_BUCKET, quarantine: parsed.QUARANTINE_BUCKET },
    queues: {
      uploadEvents: parsed.UPLOAD_EVENTS_QUEUE_URL,
      uploadEventsDlq: parsed.UPLOAD_EVENTS_DLQ_URL,
      scanJobs: parsed.SCAN_JOBS_QUEUE_URL,
    },
    consumer: toConsumerConfig(parsed),
    health: toHealthConfig(parsed),
  });
}
