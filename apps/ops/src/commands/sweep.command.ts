import { Command, InvalidArgumentError } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { awsEnv, bucketsEnv, parseEnv, toAwsConfig } from '@airlock/config';
import { PgExpiredUploads, type ExpiredUpload, type Pool } from '@airlock/postgres';
import {
  createS3Client,
  S3ObjectStore,
  S3OpenMultipartUploads,
  type OpenMultipartUpload,
} from '@airlock/s3';
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
  bucket?: string[];
};

type Candidate = {
  id: string;
  customerId: string;
  bucket: string;
  key: string;
  expiresAt: string;
  multipart: boolean;
};

type Orphan = { bucket: string; key: string; uploadId: string; initiated: string | null };

const describe = (upload: ExpiredUpload): Candidate => ({
  id: upload.id,
  customerId: upload.customerId,
  bucket: upload.bucket,
  key: upload.key,
  expiresAt: new Date(upload.expiresAt).toISOString(),
  multipart: upload.multipartUploadId !== null,
});

/**
 * Multipart uploads open in the bucket that no pending upload owns, begun at
 * least `graceSeconds` ago (one just created may not have its row yet).
 */
async function* orphansIn(
  bucket: string,
  open: S3OpenMultipartUploads,
  expired: PgExpiredUploads,
  graceSeconds: number,
): AsyncGenerator<OpenMultipartUpload> {
  const cutoff = Date.now() - graceSeconds * 1000;
  let page: OpenMultipartUpload[] = [];
  const flush = async function* () {
    const owned = await expired.pendingMultipartOwners(
      bucket,
      page.map((upload) => upload.uploadId),
    );
    for (const upload of page) if (!owned.has(upload.uploadId)) yield upload;
    page = [];
  };
  for await (const upload of open.list(bucket)) {
    if (upload.initiated && upload.initiated.getTime() > cutoff) continue;
    page.push(upload);
    if (page.length >= 500) yield* flush();
  }
  yield* flush();
}

const describeOrphan = (upload: OpenMultipartUpload): Orphan => ({
  bucket: upload.bucket,
  key: upload.key,
  uploadId: upload.uploadId,
  initiated: upload.initiated?.toISOString() ?? null,
});

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Pending uploads whose URL expired (plus a grace period for PUTs still
 * landing) become `expired`, their multipart upload (if sent in parts) is
 * aborted, and any object that arrived for them is removed unless another
 * live upload uses the same key. Then multipart uploads that no pending
 * upload owns are aborted in the swept buckets, so no parts are left
 * billing. Safe to run from cron, and concurrently: every move is a
 * compare-and-set, and aborting twice is harmless.
 */
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
    .action(async (options: SweepOptions) => {
      const out = createOutput(Boolean(options.json));
      const query = { graceSeconds: options.grace, customerId: options.customer };
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      // Orphaned multipart uploads belong to no customer: a sweep of one
      // customer leaves them alone unless told which bucket to clean.
      const orphanBuckets =
        options.bucket ??
        (options.customer ? [] : [parseEnv(bucketsEnv, process.env).UPLOADS_BUCKET]);
      const aws = toAwsConfig(parseEnv(awsEnv, process.env));
      const s3 = createS3Client(aws.s3);
      const open = new S3OpenMultipartUploads({ s3 });
      const findOrphans = async (pool: Pool) => {
        const expired = new PgExpiredUploads({ pool });
        const found: OpenMultipartUpload[] = [];
        for (const bucket of orphanBuckets)
          for await (const orphan of orphansIn(bucket, open, expired, options.grace))
            found.push(orphan);
        return found;
      };
      try {
        if (options.dryRun) {
          const { wouldExpire, wouldAbortOrphans } = await withPool(async (pool) => {
            const expired = new PgExpiredUploads({ pool });
            const found: Candidate[] = [];
            pages: for await (const page of expired.pages(query, options.batch)) {
              for (const upload of page) {
                if (found.length >= limit) break pages;
                found.push(describe(upload));
              }
            }
            return {
              wouldExpire: found,
              wouldAbortOrphans: (await findOrphans(pool)).map(describeOrphan),
            };
          });
          out.result(
            {
              dryRun: true,
              graceSeconds: options.grace,
              customer: options.customer ?? null,
              wouldExpire,
              wouldAbortOrphans,
            },
            () => [
              `${plural(wouldExpire.length, 'upload')} would expire, ` +
                `${plural(wouldAbortOrphans.length, 'orphaned multipart upload')} would be aborted ` +
                '(dry run, nothing changed)',
              ...wouldExpire.map(
                (u) =>
                  `  ${u.id}  expired ${u.expiresAt}  ${u.bucket}/${u.key}${u.multipart ? '  (multipart)' : ''}`,
              ),
              ...wouldAbortOrphans.map(
                (o) => `  orphan ${o.uploadId}  begun ${o.initiated ?? '?'}  ${o.bucket}/${o.key}`,
              ),
            ],
          );
          return;
        }

        const objects = new S3ObjectStore({ s3 });
        const summary = await withPool(async (pool) => {
          const expired = new PgExpiredUploads({ pool });
          const result = {
            expired: [] as string[],
            objectsRemoved: [] as string[],
            objectsKept: [] as string[],
            skipped: [] as string[],
            multipartAborted: [] as string[],
            orphansAborted: [] as Orphan[],
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
                  // Its parts would bill until a lifecycle rule dropped them.
                  if (moved.multipartUploadId) {
                    await open.abort({ ...moved, uploadId: moved.multipartUploadId });
                    result.multipartAborted.push(moved.id);
                  }
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
          // After the expiries: an upload expired above no longer owns its multipart upload.
          for (const orphan of await findOrphans(pool)) {
            if (await open.abort(orphan)) result.orphansAborted.push(describeOrphan(orphan));
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
              multipartAborted: summary.multipartAborted.length,
              orphansAborted: summary.orphansAborted.length,
            },
            ...summary,
          },
          () =>
            `${plural(summary.expired.length, 'upload')} expired, ` +
            `${plural(summary.objectsRemoved.length, 'object')} removed, ` +
            `${summary.objectsKept.length} kept (in use by another upload), ` +
            `${summary.skipped.length} skipped (moved on meanwhile), ` +
            `${plural(summary.multipartAborted.length + summary.orphansAborted.length, 'multipart upload')} ` +
            `aborted (${summary.orphansAborted.length} orphaned)`,
        );
      } finally {
        s3.destroy();
      }
    });
}
