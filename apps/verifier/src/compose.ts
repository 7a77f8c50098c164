import type { VerifierConfig } from '@airlock/config';
import { s3NotificationSchema } from '@airlock/core';
import { inspectStream } from '@airlock/inspection';
import { PgObjectIncidents, PgUploadRepository } from '@airlock/postgres';
import type { Logger } from '@airlock/runtime';
import { S3ObjectStore } from '@airlock/s3';
import { SqsMessagePublisher } from '@airlock/sqs';
import { createWorker } from '@airlock/worker';
import { createObjectCreatedHandler } from './handlers/object-created.handler.ts';

/** How long a scan job waits for others to share its request: a few ms of latency for fewer SQS calls. */
const SCAN_JOB_BATCH_LINGER_MS = 10;

/** The verifier from its config: the composition root shared by main.ts and the tests. */
export function composeVerifier(config: VerifierConfig, logger: Logger) {
  const { queues, buckets } = config;
  return createWorker({ config, logger }, ({ pool, s3, sqs, metrics }) => ({
    queue: { name: 'upload-events', url: queues.uploadEvents, dlqUrl: queues.uploadEventsDlq },
    schema: s3NotificationSchema,
    buckets: [buckets.uploads],
    handler: createObjectCreatedHandler(
      {
        uploads: new PgUploadRepository({ pool, metrics }),
        objects: new S3ObjectStore({ s3 }),
        inspect: (body) => inspectStream(body),
        // Jobs of handlers that finish together share a SendMessageBatch.
        scanJobs: new SqsMessagePublisher(
          { sqs },
          { queueUrl: queues.scanJobs, batchLingerMs: SCAN_JOB_BATCH_LINGER_MS },
        ),
        incidents: new PgObjectIncidents({ pool }),
        logger,
        metrics,
      },
      { uploadsBucket: buckets.uploads, quarantineBucket: buckets.quarantine },
    ),
  }));
}
