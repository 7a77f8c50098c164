import type { MediaConfig } from '@airlock/config';
import { configureSharp, renderRenditions } from '@airlock/imaging';
import {
  createPool,
  PgMessageFailures,
  PgUploadRenditions,
  PgUploadRepository,
  ping,
} from '@airlock/postgres';
import { memoizedClose, type Logger, type ReadinessCheck } from '@airlock/runtime';
import { createS3Client, probeBucket, S3ObjectStore } from '@airlock/s3';
import { createSqsClient, probeQueue, QueueConsumer } from '@airlock/sqs';
import { createMediaRequestedHandler } from './handlers/media-requested.handler.ts';

/** The media worker from its config: the composition root shared by main.ts and the tests. */
export function composeMedia(config: MediaConfig, logger: Logger) {
  // Process-wide: the loader allow-list, libvips threads per image, no operation cache.
  configureSharp({ concurrency: config.sharp.concurrency, cache: false });
  const pool = createPool(config.databaseUrl, { max: config.consumer.concurrency + 2 });
  const s3 = createS3Client(config.aws.s3);
  const sqs = createSqsClient(config.aws.sqs);
  const failures = new PgMessageFailures({ pool });
  const objects = new S3ObjectStore({ s3 });

  const handler = createMediaRequestedHandler(
    {
      uploads: new PgUploadRepository({ pool }),
      renditions: new PgUploadRenditions({ pool }),
      objects,
      putObject: (object) => objects.put(object),
      render: (original) => renderRenditions(original, config.renditions, config.limits),
      logger,
    },
    {
      processedBucket: config.buckets.processed,
      failurePolicy: config.failurePolicy,
      maxInputBytes: config.limits.maxInputBytes,
    },
  );

  const consumer = new QueueConsumer(
    { sqs, logger, handler, onFailure: (failure) => failures.record(failure) },
    {
      queue: 'media-jobs',
      queueUrl: config.queues.mediaJobs,
      dlqUrl: config.queues.mediaJobsDlq,
      ...config.consumer,
    },
  );

  const readiness: ReadinessCheck[] = [
    { name: 'postgres', check: () => ping(pool) },
    {
      name: 's3',
      check: async () => {
        await Promise.all([
          probeBucket(s3, config.buckets.uploads),
          probeBucket(s3, config.buckets.processed),
        ]);
      },
    },
    { name: 'sqs', check: () => probeQueue(sqs, config.queues.mediaJobs) },
  ];

  return {
    consumer,
    readiness,
    start: () => consumer.start(),
    /** Stops polling, lets in-flight images finish, then closes the clients. */
    close: memoizedClose(
      [() => consumer.close(), () => pool.end(), () => s3.destroy(), () => sqs.destroy()],
      logger,
    ),
  };
}
