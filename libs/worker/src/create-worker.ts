import type { WorkerConfig } from '@airlock/config';
import type { MessageHandler, PipelineMetrics } from '@airlock/core';
import { AdvisoryLock, createPool, PgMessageFailures, ping, type Pool } from '@airlock/postgres';
import {
  memoizedClose,
  PromPipelineMetrics,
  type CloseStep,
  type Logger,
  type ReadinessCheck,
} from '@airlock/runtime';
import { createS3Client, probeBucket } from '@airlock/s3';
import { createSqsClient, probeQueue, QueueConsumer } from '@airlock/sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import { LeaderSampler, type Sample } from './queue-sampler.ts';
import { queueSample } from './samples.ts';

/** What the shell opens for a worker and closes after it: its parts are built on these. */
export type WorkerClients = {
  readonly pool: Pool;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  /** The process's metrics registry, which the health server's `/metrics` serves. */
  readonly registry: Registry;
  /** What the handlers and adapters observe, into {@link registry}. */
  readonly metrics: PipelineMetrics;
};

/** Work that runs beside the consumer (the notifier's outbox relay). */
export type BackgroundLoop = { start(): void; close(): Promise<void> };

/** What is a worker's own; the shell adds the rest. */
export type WorkerParts<Job> = {
  /** The queue consumed: its name (logs, failure records, DLQ attributes), URL and DLQ URL. */
  readonly queue: { readonly name: string; readonly url: string; readonly dlqUrl: string };
  /** The queue's message contract: the handler gets bodies parsed against it. */
  readonly schema: z.ZodType<Job>;
  readonly handler: MessageHandler<Job>;
  /** Buckets readiness probes (one `s3` check); none: no S3 check. */
  readonly buckets?: readonly string[];
  /** Readiness checks beyond postgres, s3 and sqs (clamd). */
  readonly readiness?: readonly ReadinessCheck[];
  /** Started before the consumer, closed before it. */
  readonly background?: readonly BackgroundLoop[];
  /** Measured beside the queue's depth by the elected replica (the notifier's outbox). */
  readonly samples?: readonly Sample[];
  /** @defaultValue the consumer's exponential backoff */
  readonly retryDelaySeconds?: (receiveCount: number) => number;
  /** Logged with the start-up line (settings worth seeing in the log). */
  readonly summary?: Readonly<Record<string, unknown>>;
};

export type Worker = {
  readonly queueUrl: string;
  /** Every metric of the worker: give it to the health server. */
  readonly registry: Registry;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly readiness: readonly ReadinessCheck[];
  start(): void;
  /**
   * Stops the background loops and polling, lets in-flight messages finish,
   * then closes the clients. Memoised; never rejects.
   */
  close(): Promise<void>;
};

export type WorkerSettings = {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  /** @defaultValue the consumer's concurrency + 2 */
  readonly poolSize?: number;
};

/**
 * The shell every worker shares: the PostgreSQL pool, the S3 and SQS clients,
 * failure recording, the {@link QueueConsumer}, readiness and an ordered,
 * memoised close. `parts` builds what is the worker's own on those clients.
 */
export function createWorker<Job>(
  settings: WorkerSettings,
  parts: (clients: WorkerClients) => WorkerParts<Job>,
): Worker {
  const { config, logger } = settings;
  const pool = createPool(config.databaseUrl, {
    max: settings.poolSize ?? config.consumer.concurrency + 2,
  });
  const s3 = createS3Client(config.aws.s3);
  const sqs = createSqsClient(config.aws.sqs);
  const failures = new PgMessageFailures({ pool });
  const registry = new Registry();
  const metrics = new PromPipelineMetrics(registry);
  const own = parts({ pool, s3, sqs, logger, registry, metrics });

  const consumer = new QueueConsumer(
    {
      sqs,
      logger,
      schema: own.schema,
      handler: own.handler,
      onFailure: (failure) => failures.record(failure),
      registry,
    },
    {
      queue: own.queue.name,
      queueUrl: own.queue.url,
      dlqUrl: own.queue.dlqUrl,
      ...config.consumer,
      retryDelaySeconds: own.retryDelaySeconds,
    },
  );

  // One replica per queue samples its depth: whichever holds the queue's advisory lock
  // (named by its URL: a test's worker on a private queue never takes the stack's).
  const sampler = new LeaderSampler(
    {
      election: new AdvisoryLock(config.databaseUrl, `airlock:metrics-sampler:${own.queue.url}`),
      samples: [
        queueSample(
          { sqs, registry, oldestSentAt: () => consumer.metrics.takeOldestSentAt() },
          own.queue,
        ),
        ...(own.samples ?? []),
      ],
      logger,
    },
    { intervalMs: config.health.sampleSeconds * 1000 },
  );
  const background = [...(own.background ?? []), sampler];

  const buckets = own.buckets ?? [];
  const readiness: ReadinessCheck[] = [
    { name: 'postgres', check: () => ping(pool) },
    ...(buckets.length > 0
      ? [
          {
            name: 's3',
            check: async () => {
              await Promise.all(buckets.map((bucket) => probeBucket(s3, bucket)));
            },
          },
        ]
      : []),
    { name: 'sqs', check: () => probeQueue(sqs, own.queue.url) },
    ...(own.readiness ?? []),
  ];

  const closeSteps: CloseStep[] = [
    ...background.map((loop) => () => loop.close()),
    () => consumer.close(),
    () => pool.end(),
    () => s3.destroy(),
    () => sqs.destroy(),
  ];
  return {
    queueUrl: own.queue.url,
    registry,
    summary: own.summary ?? {},
    readiness,
    start: () => {
      for (const loop of background) loop.start();
      consumer.start();
    },
    close: memoizedClose(closeSteps, logger),
  };
}
