import type { VerifierConfig } from '@airlock/config';
import { inspectStream } from '@airlock/inspection';
import { memoizedClose, type Logger, type ReadinessCheck } from '@airlock/runtime';
import {
  createPool,
  PgMessageFailures,
  PgObjectIncidents,
  PgUploadRepository,
  ping,
} from '@airlock/postgres';
import { createS3Client, probeBucket, S3ObjectStore } from '@airlock/s3';
import { createSqsClient, probeQueue, QueueConsumer, SqsMessagePublisher } from '@airlock/sqs';
import { createObjectCreatedHandler } from './handlers/object-created.handler.ts';

/** The verifier from its config: the composition root shared by main.ts and the tests. */
export function composeVerifier(config: VerifierConfig, logger: Logger) {
  const pool = createPool(config.databaseUrl, { max: config.consumer.concurrency + 2 });
  const s3 = createS3Client(config.aws.s3);
  const sqs = createSqsClient(config.aws.sqs);
  const failures = new PgMessageFailures({ pool });

  const handler = createObjectCreatedHandler(
    {
      uploads: new PgUploadRepository({ pool }),
      objects: new S3ObjectStore({ s3 }),
      inspect: (body) => inspectStream(body),
      scanJobs: new SqsMessagePublisher({ sqs }, { queueUrl: config.queues.scanJobs }),
      incidents: new PgObjectIncidents({ pool }),
      logger,
    },
    { uploadsBucket: config.buckets.uploads, quarantineBucket: config.buckets.quarantine },
  );

  const consumer = new QueueConsumer(
    { sqs, logger, handler, onFailure: (failure) => failures.record(failure) },
    {
      queue: 'upload-events',
      queueUrl: config.queues.uploadEvents,
      dlqUrl: config.queues.uploadEventsDlq,
      ...config.consumer,
    },
  );

  const readiness: ReadinessCheck[] = [
    { name: 'postgres', check: () => ping(pool) },
    { name: 's3', check: () => probeBucket(s3, config.buckets.uploads) },
    { name: 'sqs', check: () => probeQueue(sqs, config.queues.uploadEvents) },
  ];

  return {
    consumer,
    readiness,
    start: () => consumer.start(),
    /** Stops polling, lets in-flight messages finish, then closes the clients. */
    close: memoizedClose(
      [() => consumer.close(), () => pool.end(), () => s3.destroy(), () => sqs.destroy()],
      logger,
    ),
  };
}
