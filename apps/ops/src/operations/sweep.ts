import type { S3Client } from '@aws-sdk/client-s3';
import { PgExpiredUploads, type ExpiredUpload, type Pool } from '@airlock/postgres';
import { S3ObjectStore, S3OpenMultipartUploads, type OpenMultipartUpload } from '@airlock/s3';
import type { OnProgress } from './progress.ts';

const ACTOR = 'sweep';

export type SweepDeps = { readonly pool: Pool; readonly s3: S3Client };

export type SweepOptions = {
  /** Seconds past `expires_at` before an upload counts: a PUT begun in time may still land. */
  readonly graceSeconds: number;
  /** At most this many uploads; all by default. */
  readonly limit?: number | undefined;
  /** Uploads read per page (500 by default). */
  readonly batchSize?: number | undefined;
  readonly customerId?: string | undefined;
  /** Where multipart uploads that no pending upload owns are aborted: see `orphanBuckets`. */
  readonly orphanBuckets: readonly string[];
};

export type SweepCandidate = {
  id: string;
  customerId: string;
  bucket: string;
  key: string;
  expiresAt: string;
  multipart: boolean;
};

export type Orphan = { bucket: string; key: string; uploadId: string; initiated: string | null };

export type SweepPreview = { wouldExpire: SweepCandidate[]; wouldAbortOrphans: Orphan[] };

export type SweepReport = {
  expired: string[];
  objectsRemoved: string[];
  /** Expired, but their object stays: another live upload uses the same key. */
  objectsKept: string[];
  /** Moved on (bytes arrived, expiry extended) or taken by a concurrent sweep. */
  skipped: string[];
  multipartAborted: string[];
  orphansAborted: Orphan[];
};

/**
 * Orphaned multipart uploads belong to no customer: a sweep of one customer
 * leaves them alone unless told which buckets to clean; otherwise the uploads bucket.
 */
export const orphanBuckets = (
  options: { buckets?: readonly string[] | undefined; customerId?: string | undefined },
  uploadsBucket: string,
): readonly string[] => options.buckets ?? (options.customerId ? [] : [uploadsBucket]);

const describe = (upload: ExpiredUpload): SweepCandidate => ({
  id: upload.id,
  customerId: upload.customerId,
  bucket: upload.bucket,
  key: upload.key,
  expiresAt: new Date(upload.expiresAt).toISOString(),
  multipart: upload.multipartUploadId !== null,
});

const describeOrphan = (upload: OpenMultipartUpload): Orphan => ({
  bucket: upload.bucket,
  key: upload.key,
  uploadId: upload.uploadId,
  initiated: upload.initiated?.toISOString() ?? null,
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

/** The sweep's moving parts, and the uploads it may take, oldest expiry first, up to the limit. */
function sweepOf(deps: SweepDeps, options: SweepOptions) {
  const expired = new PgExpiredUploads({ pool: deps.pool });
  const open = new S3OpenMultipartUploads({ s3: deps.s3 });
  const query = { graceSeconds: options.graceSeconds, customerId: options.customerId };
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  return {
    expired,
    open,
    query,
    limit,
    async *candidates(): AsyncGenerator<ExpiredUpload> {
      let taken = 0;
      for await (const page of expired.pages(query, options.batchSize ?? 500)) {
        for (const upload of page) {
          if (taken >= limit) return;
          taken += 1;
          yield upload;
        }
      }
    },
    async orphans(): Promise<OpenMultipartUpload[]> {
      const found: OpenMultipartUpload[] = [];
      for (const bucket of options.orphanBuckets)
        for await (const orphan of orphansIn(bucket, open, expired, options.graceSeconds))
          found.push(orphan);
      return found;
    },
  };
}

/** What `sweepAbandonedUploads` would do with the same options; changes nothing. */
export async function previewSweep(deps: SweepDeps, options: SweepOptions): Promise<SweepPreview> {
  const sweep = sweepOf(deps, options);
  const wouldExpire: SweepCandidate[] = [];
  for await (const upload of sweep.candidates()) wouldExpire.push(describe(upload));
  return { wouldExpire, wouldAbortOrphans: (await sweep.orphans()).map(describeOrphan) };
}

/**
 * Pending uploads whose URL expired (plus a grace period for PUTs still
 * landing) become `expired`, their multipart upload (if sent in parts) is
 * aborted, and any object that arrived for them is removed unless another
 * live upload uses the same key. Then multipart uploads that no pending
 * upload owns are aborted in the swept buckets, so no parts are left
 * billing. Safe to run from cron, and concurrently: every move is a
 * compare-and-set, and aborting twice is harmless.
 */
export async function sweepAbandonedUploads(
  deps: SweepDeps,
  options: SweepOptions,
  onProgress: OnProgress = () => {},
): Promise<SweepReport> {
  const sweep = sweepOf(deps, options);
  const objects = new S3ObjectStore({ s3: deps.s3 });
  const report: SweepReport = {
    expired: [],
    objectsRemoved: [],
    objectsKept: [],
    skipped: [],
    multipartAborted: [],
    orphansAborted: [],
  };
  const total = Math.min(await sweep.expired.count(sweep.query), sweep.limit);
  let handled = 0;
  onProgress(handled, total);
  for await (const candidate of sweep.candidates()) {
    // Compare-and-set: an upload whose bytes just arrived, or that a
    // concurrent sweep already took, is left alone.
    const moved = await sweep.expired.expire(candidate.id, {
      graceSeconds: options.graceSeconds,
      actor: ACTOR,
    });
    if (!moved) {
      report.skipped.push(candidate.id);
    } else {
      report.expired.push(moved.id);
      // Its parts would bill until a lifecycle rule dropped them.
      if (moved.multipartUploadId) {
        await sweep.open.abort({ ...moved, uploadId: moved.multipartUploadId });
        report.multipartAborted.push(moved.id);
      }
      // The same content requested again reuses the key: keep its object.
      if (await sweep.expired.objectInUse(moved.bucket, moved.key, moved.id)) {
        report.objectsKept.push(moved.id);
      } else {
        const object = await objects.open(moved);
        if (object) {
          object.body.destroy();
          await objects.delete(moved);
          report.objectsRemoved.push(moved.id);
        }
      }
    }
    handled += 1;
    onProgress(handled, total);
  }
  // After the expiries: an upload expired above no longer owns its multipart upload.
  for (const orphan of await sweep.orphans()) {
    if (await sweep.open.abort(orphan)) report.orphansAborted.push(describeOrphan(orphan));
  }
  return report;
}
