import { z } from 'zod';
import {
  awsEnv,
  bucketsEnv,
  databaseEnv,
  loggingEnv,
  toAwsConfig,
  type AwsConfig,
} from './common.config.ts';
import { envInt } from './parse-env.ts';

/** How a worker consumes its queue; the same knobs for every worker. */
export const consumerEnv = z.object({
  WORKER_BATCH_SIZE: envInt(10, 1).pipe(z.number().max(10, 'SQS receives at most 10 at once')),
  WORKER_CONCURRENCY: envInt(4, 1),
  // Short: the per-message heartbeat extends what is being worked on, so this only
  // bounds how soon a killed worker's messages come back (libs/sqs QueueConsumer).
  WORKER_VISIBILITY_TIMEOUT_SECONDS: envInt(10, 5),
  WORKER_HEARTBEAT_SECONDS: envInt(3, 1),
  WORKER_WAIT_TIME_SECONDS: envInt(20, 0).pipe(z.number().max(20)),
  HEALTH_HOST: z.string().default('0.0.0.0'),
  HEALTH_PORT: envInt(9400),
  // How often the elected replica samples its queue's depth (and the notifier the outbox).
  METRICS_SAMPLE_SECONDS: envInt(15, 1),
});

export type ConsumerConfig = {
  readonly batchSize: number;
  readonly concurrency: number;
  readonly visibilityTimeoutSeconds: number;
  readonly heartbeatIntervalSeconds: number;
  readonly waitTimeSeconds: number;
};

export type HealthConfig = {
  readonly host: string;
  readonly port: number;
  /** Seconds between the elected replica's samples of queue depth. @defaultValue 15 */
  readonly sampleSeconds: number;
};

export const toHealthConfig = (env: z.output<typeof consumerEnv>): HealthConfig => ({
  host: env.HEALTH_HOST,
  port: env.HEALTH_PORT,
  sampleSeconds: env.METRICS_SAMPLE_SECONDS,
});

export function toConsumerConfig(env: z.output<typeof consumerEnv>): ConsumerConfig {
  return {
    batchSize: env.WORKER_BATCH_SIZE,
    concurrency: env.WORKER_CONCURRENCY,
    visibilityTimeoutSeconds: env.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    heartbeatIntervalSeconds: Math.min(
      env.WORKER_HEARTBEAT_SECONDS,
      env.WORKER_VISIBILITY_TIMEOUT_SECONDS - 1,
    ),
    waitTimeSeconds: env.WORKER_WAIT_TIME_SECONDS,
  };
}

export const queueUrl = z.url();

/** What every worker reads: logging, database, AWS, buckets, its consumer and health port. */
export const workerEnv = loggingEnv
  .extend(databaseEnv.shape)
  .extend(awsEnv.shape)
  .extend(bucketsEnv.shape)
  .extend(consumerEnv.shape);

export type WorkerConfig = {
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly aws: AwsConfig;
  readonly consumer: ConsumerConfig;
  readonly health: HealthConfig;
};

export const toWorkerConfig = (env: z.output<typeof workerEnv>): WorkerConfig => ({
  logLevel: env.LOG_LEVEL,
  databaseUrl: env.DATABASE_URL,
  aws: toAwsConfig(env),
  consumer: toConsumerConfig(env),
  health: toHealthConfig(env),
});
