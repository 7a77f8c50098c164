import { Command } from 'commander';
import { loadOpsConfig } from '@airlock/config';
import { withPool, withS3 } from '../clients.ts';
import {
  orphanBuckets,
  previewSweep,
  sweepAbandonedUploads,
  type SweepOptions,
} from '../operations/sweep.ts';
import { createOutput } from '../output.ts';
import { collect, parseCount, parseCustomer, plural } from './options.ts';

type SweepArguments = {
  grace: number;
  limit?: number;
  batch: number;
  customer?: string;
  dryRun?: boolean;
  json?: boolean;
  bucket?: string[];
};

/** `airlock sweep`: see operations/sweep.ts for what it does. */
export function sweepCommand(): Command {
  return new Command('sweep')
    .description('expire pending uploads past their expiry and remove their objects')
    .option('--grace <seconds>', 'only uploads expired at least this long ago', parseCount(0), 300)
    .option('--limit <n>', 'handle at most this many uploads', parseCount(1))
    .option('--batch <n>', 'uploads read per page', parseCount(1), 500)
    .option('--customer <id>', "only this customer's uploads", parseCustomer)
    .option(
      '--bucket <name>',
      'abort multipart uploads no pending upload owns in this bucket (repeatable; default ' +
        'UPLOADS_BUCKET, none with --customer unless given)',
      collect,
    )
    .option('--dry-run', 'list what would expire and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (args: SweepArguments) => {
      const out = createOutput(Boolean(args.json));
      const config = loadOpsConfig();
      const options: SweepOptions = {
        graceSeconds: args.grace,
        limit: args.limit,
        batchSize: args.batch,
        customerId: args.customer,
        orphanBuckets: orphanBuckets(
          { buckets: args.bucket, customerId: args.customer },
          config.buckets.uploads,
        ),
      };
      const header = { graceSeconds: args.grace, customer: args.customer ?? null };
      await withS3(config, (s3) =>
        withPool(config, async (pool) => {
          if (args.dryRun) {
            const preview = await previewSweep({ pool, s3 }, options);
            out.result({ dryRun: true, ...header, ...preview }, () => [
              `${plural(preview.wouldExpire.length, 'upload')} would expire, ` +
                `${plural(preview.wouldAbortOrphans.length, 'orphaned multipart upload')} would be aborted ` +
                '(dry run, nothing changed)',
              ...preview.wouldExpire.map(
                (u) =>
                  `  ${u.id}  expired ${u.expiresAt}  ${u.bucket}/${u.key}${u.multipart ? '  (multipart)' : ''}`,
              ),
              ...preview.wouldAbortOrphans.map(
                (o) => `  orphan ${o.uploadId}  begun ${o.initiated ?? '?'}  ${o.bucket}/${o.key}`,
              ),
            ]);
            return;
          }
          const report = await out.withProgressBar('sweep', 'uploads', (onProgress) =>
            sweepAbandonedUploads({ pool, s3 }, options, onProgress),
          );
          const counts = Object.fromEntries(
            Object.entries(report).map(([name, ids]) => [name, ids.length]),
          );
          out.result(
            { dryRun: false, ...header, counts, ...report },
            () =>
              `${plural(report.expired.length, 'upload')} expired, ` +
              `${plural(report.objectsRemoved.length, 'object')} removed, ` +
              `${report.objectsKept.length} kept (in use by another upload), ` +
              `${report.skipped.length} skipped (moved on meanwhile), ` +
              `${plural(report.multipartAborted.length + report.orphansAborted.length, 'multipart upload')} ` +
              `aborted (${report.orphansAborted.length} orphaned)`,
          );
        }),
      );
    });
}
