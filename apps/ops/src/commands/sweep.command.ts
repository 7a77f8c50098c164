import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { awsEnv, parseEnv, toAwsConfig } from '@airlock/config';
import { PgExpiredUploads, type ExpiredUpload } from '@airlock/postgres';
import { createS3Client, S3ObjectStore } from '@airlock/s3';
import { withPool } from '../database.ts';
import { isUuid } from '../uuid.ts';
import { createOutput } from '../output.ts';

const ACTOR = 'sweep';

const parseCount =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };

const parseCustomer = (value: string): string => {
  if (!isUuid(value)) throw new InvalidArgumentError('expected a customer id (a UUID)');
  return value;
};

type SweepOptions = {
  grace: number;
  limit?: number;
  batch: number;
  customer?: string;
  dryRun?: boolean;
  json?: boolean;
};

type Candidate = {
  id: string;
  customerId: string;
  bucket: string;
  key: string;
  expiresAt: string;
};

const describe = (upload: ExpiredUpload): Candidate => ({
  id: upload.id,
  customerId: upload.customerId,
  bucket: upload.bucket,
  key: upload.key,
  expiresAt: new Date(upload.expiresAt).toISOString(),
});

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Pending uploads whose URL expired (plus a grace period for PUTs still
 * landing) become `expired`, and any object that arrived for them is removed
 * unless another live upload uses the same key. Safe to run from cron, and
 * concurrently: every move is a compare-and-set.
 */
export function sweepCommand(): Command {
  return new Command('sweep')
    .description('expire pending uploads past their expiry and remove their objects')
    .option('--grace <seconds>', 'only uploads expired at least this long ago', parseCount(0), 300)
    .option('--limit <n>', 'handle at most this many uploads', parseCount(1))
    .option('--batch <n>', 'uploads read per page', parseCount(1), 500)
    .option('--customer <id>', "only this customer's uploads", parseCustomer)
    .option('--dry-run', 'list what would expire and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (options: SweepOptions) => {
      const out = createOutput(Boolean(options.json));
      const query = { graceSeconds: options.grace, customerId: options.customer };
      const limit = options.limit ?? Number.POSITIVE_INFINITY;

      if (options.dryRun) {
        const wouldExpire = await withPool(async (pool) => {
          const expired = new PgExpiredUploads({ pool });
          const found: Candidate[] = [];
          for await (const page of expired.pages(query, options.batch)) {
            for (const upload of page) {
              if (found.length >= limit) return found;
              found.push(describe(upload));
            }
          }
          return found;
        });
        out.result(
          {
            dryRun: true,
            graceSeconds: options.grace,
            customer: options.customer ?? null,
            wouldExpire,
          },
          () => [
            `${plural(wouldExpire.length, 'upload')} would expire (dry run, nothing changed)`,
            ...wouldExpire.map((u) => `  ${u.id}  expired ${u.expiresAt}  ${u.bucket}/${u.key}`),
          ],
        );
        return;
      }

      const aws = toAwsConfig(parseEnv(awsEnv, process.env));
      const s3 = createS3Client(aws.s3);
      const objects = new S3ObjectStore({ s3 });
      try {
        const summary = await withPool(async (pool) => {
          const expired = new PgExpiredUploads({ pool });
          const result = {
            expired: [] as string[],
            objectsRemoved: [] as string[],
            objectsKept: [] as string[],
            skipped: [] as string[],
          };
          const total = Math.min(await expired.count(query), limit);
          const bar = new SingleBar(
            { format: 'sweep [{bar}] {value}/{total} uploads', stream: process.stderr },
            Presets.shades_classic,
          );
          if (!options.json) bar.start(total, 0);
          let handled = 0;
          try {
            pages: for await (const page of expired.pages(query, options.batch)) {
              for (const candidate of page) {
                if (handled >= limit) break pages;
                handled += 1;
                // Compare-and-set: an upload whose bytes just arrived, or that a
                // concurrent sweep already took, is left alone.
                const moved = await expired.expire(candidate.id, {
                  graceSeconds: options.grace,
                  actor: ACTOR,
                });
                if (!moved) {
                  result.skipped.push(candidate.id);
                } else {
                  result.expired.push(moved.id);
                  // The same content requested again reuses the key: keep its object.
                  if (await expired.objectInUse(moved.bucket, moved.key, moved.id)) {
                    result.objectsKept.push(moved.id);
                  } else {
                    const object = await objects.open(moved);
                    if (object) {
                      object.body.destroy();
                      await objects.delete(moved);
                      result.objectsRemoved.push(moved.id);
                    }
                  }
                }
                if (!options.json) bar.update(handled);
              }
            }
          } finally {
            if (!options.json) bar.stop();
          }
          return result;
        });
        out.result(
          {
            dryRun: false,
            graceSeconds: options.grace,
            customer: options.customer ?? null,
            counts: {
              expired: summary.expired.length,
              objectsRemoved: summary.objectsRemoved.length,
              objectsKept: summary.objectsKept.length,
              skipped: summary.skipped.length,
            },
            ...summary,
          },
          () =>
            `${plural(summary.expired.length, 'upload')} expired, ` +
            `${plural(summary.objectsRemoved.length, 'object')} removed, ` +
            `${summary.objectsKept.length} kept (in use by another upload), ` +
            `${summary.skipped.length} skipped (moved on meanwhile)`,
        );
      } finally {
        s3.destroy();
      }
    });
}
