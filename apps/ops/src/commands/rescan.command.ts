import { Command, InvalidArgumentError } from 'commander';
import { loadOpsConfig } from '@airlock/config';
import { startTracing } from '@airlock/runtime';
import { withPool, withSqs } from '../clients.ts';
import { rescanCleanUploads } from '../operations/rescan.ts';
import { createOutput } from '../output.ts';
import { plural } from './options.ts';

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
      const config = loadOpsConfig();
      // Each job is sent in its upload's trace (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set).
      const tracing = startTracing('airlock-ops');
      const scanJobsQueueUrl = config.queueUrl('scan-jobs');
      const queued = await withSqs(config, (sqs) =>
        withPool(config, (pool) =>
          out.withProgressBar('rescan', 'uploads', (onProgress) =>
            rescanCleanUploads(
              { pool, sqs, scanJobsQueueUrl },
              { since: options.since, customerId: options.customer },
              onProgress,
            ),
          ),
        ),
      ).finally(() => tracing.close());
      out.result(
        { queued, since: options.since.toISOString(), customer: options.customer ?? null },
        () => `${plural(queued, 'scan job')} queued`,
      );
    });
}
