import { ClamdScanner } from '@airlock/clamav';
import type { ScannerConfig } from '@airlock/config';
import {
  createPool,
  PgMessageFailures,
  PgUploadRenditions,
  PgUploadRepository,
  PgUploadScans,
  ping,
} from '@airlock/postgres';
import { memoizedClose, type Logger, type ReadinessCheck } from '@airlock/runtime';
import { createS3Client, probeBucket, S3ObjectStore } from '@airlock/s3';
import { createSqsClient, probeQueue, QueueConsumer, SqsMessagePublisher } from '@airlock/sqs';
import { createScanRequestedHandler } from './handlers/scan-requested.handler.ts';

/** The scanner from its config: the composition root shared by main.ts and the tests. */
export function composeScanner(config: ScannerConfig, logger: Logger) {
  const pool = createPool(config.databaseUrl, { max: config.consumer.concurrency + 2 });
  const s3 = createS3Client(config.aws.s3);
  const sqs = createSqsClient(config.aws.sqs);
  const clamd = new ClamdScanner({}, config.clamd);
  const failures = new PgMessageFailures({ pool });

  const handler = createScanRequestedHandler(
    {
      uploads: new PgUploadRepository({ pool }),
      scans: new PgUploadScans({ pool }),
      objects: new S3ObjectStore({ s3 }),
      renditions: new PgUploadRenditions({ pool }),
      scan: (body) => clamd.scan(body),
      version: () => clamd.version(),
      mediaJobs: new SqsMessagePublisher({ sqs }, { queueUrl: config.queues.mediaJobs }),
      logger,
    },
    {
      quarantineBucket: config.buckets.quarantine,
      limitsPolicy: config.limitsPolicy,
      scanMaxBytes: config.scanMaxBytes,
    },
  );

  const consumer = new QueueConsumer(
    { sqs, logger, handler, onFailure: (failure) => failures.record(failure) },
    {
      queue: 'scan-jobs',
      queueUrl: config.queues.scanJobs,
      dlqUrl: config.queues.scanJobsDlq,
      ...config.consumer,
    },
  );

  const readiness: ReadinessCheck[] = [
    { name: 'postgres', check: () => ping(pool) },
    { name: 's3', check: () => probeBucket(s3, config.buckets.uploads) },
    { name: 'sqs', check: () => probeQueue(sqs, config.queues.scanJobs) },
    { name: 'clamd', check: () => clamd.ping() },
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
