import { Command, InvalidArgumentError } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { scanRequested } from '@airlock/core';
import { PgUploadRepository } from '@airlock/postgres';
import { createSqsClient, SqsMessagePublisher } from '@airlock/sqs';
import { withPool } from '../database.ts';
import { createOutput } from '../output.ts';

const parseTime = (value: string): Date => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('expected an ISO date or date-time');
  return date;
};

export function rescanCommand(): Command {
  return new Command('rescan')
    .description('scan clean content again, e.g. after a signature update (queues scan jobs)')
    .requiredOption('--since <time>', 'uploads created at or after this time', parseTime)
    .option('--customer <id>', "only this customer's uploads")
    .option('--json', 'machine-readable output')
    .action(async (options: { since: Date; customer?: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const queueUrl = process.env.SCAN_JOBS_QUEUE_URL;
      if (!queueUrl)
        throw new Error('Set SCAN_JOBS_QUEUE_URL, or start the local stack with `airlock dev up`');
      const sqs = createSqsClient({
        region: process.env.AWS_REGION ?? 'us-east-1',
        endpoint: process.env.SQS_ENDPOINT,
      });
      const publisher = new SqsMessagePublisher({ sqs }, { queueUrl });
      try {
        const queued = await withPool(async (pool) => {
          const uploads = new PgUploadRepository({ pool });
          const total = await uploads.countCleanSince(options.since, options.customer);
          const bar = new SingleBar(
            { format: 'rescan [{bar}] {value}/{total} uploads', stream: process.stderr },
            Presets.shades_classic,
          );
          if (!options.json) bar.start(total, 0);
          let count = 0;
          for await (const page of uploads.cleanSince(options.since, options.customer)) {
            for (const upload of page) {
              await publisher.publish(
                scanRequested(upload, { producedBy: 'ops', trigger: 'rescan' }),
              );
              count += 1;
              if (!options.json) bar.update(count);
            }
          }
          if (!options.json) bar.stop();
          return count;
        });
        out.result(
          { queued, since: options.since.toISOString(), customer: options.customer ?? null },
          () => `${queued} scan job${queued === 1 ? '' : 's'} queued`,
        );
      } finally {
        sqs.destroy();
      }
    });
}
