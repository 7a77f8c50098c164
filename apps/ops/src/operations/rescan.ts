import type { SQSClient } from '@aws-sdk/client-sqs';
import { scanRequested } from '@airlock/core';
import { PgUploadRepository, type Pool } from '@airlock/postgres';
import { SqsMessagePublisher } from '@airlock/sqs';
import { contextFrom } from '@airlock/tracing';
import { context } from '@opentelemetry/api';
import type { OnProgress } from './progress.ts';

/**
 * Queues a `scan.requested` job (trigger `rescan`) for every clean upload
 * created at or after `since`, e.g. after a signature update; the number queued.
 * Each job continues its upload's trace.
 */
export async function rescanCleanUploads(
  deps: { pool: Pool; sqs: SQSClient; scanJobsQueueUrl: string },
  options: { since: Date; customerId?: string | undefined },
  onProgress: OnProgress = () => {},
): Promise<number> {
  const publisher = new SqsMessagePublisher({ sqs: deps.sqs }, { queueUrl: deps.scanJobsQueueUrl });
  const uploads = new PgUploadRepository({ pool: deps.pool });
  const total = await uploads.countCleanSince(options.since, options.customerId);
  let count = 0;
  onProgress(count, total);
  for await (const page of uploads.cleanSince(options.since, options.customerId)) {
    for (const upload of page) {
      await context.with(contextFrom(upload.traceParent ?? undefined), () =>
        publisher.publish(scanRequested(upload, { producedBy: 'ops', trigger: 'rescan' })),
      );
      count += 1;
      onProgress(count, total);
    }
  }
  return count;
}
