import { randomBytes } from 'node:crypto';
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3ObjectStore, S3OpenMultipartUploads, type ObjectRef } from '@airlock/s3';
import { putPresigned, StackClients, uniqueText, type Tenant } from '@airlock/testing';
import { airlock } from './support/run-cli.ts';

type SweepResult = {
  dryRun: false;
  counts: {
    expired: number;
    objectsRemoved: number;
    objectsKept: number;
    skipped: number;
    multipartAborted: number;
    orphansAborted: number;
  };
  expired: string[];
  objectsRemoved: string[];
  objectsKept: string[];
  skipped: string[];
  multipartAborted: string[];
  orphansAborted: Array<{ bucket: string; key: string; uploadId: string }>;
};
type DryRunResult = {
  dryRun: true;
  wouldExpire: Array<{ id: string; bucket: string; key: string; multipart: boolean }>;
  wouldAbortOrphans: Array<{ bucket: string; key: string; uploadId: string }>;
};

const stack = new StackClients();
const objects = new S3ObjectStore({ s3: stack.s3 });
let tenant: Tenant;

async function sweep<T = SweepResult>(...args: string[]): Promise<T> {
  const run = await airlock(
    'sweep',
    '--customer',
    tenant.customerId,
    '--grace',
    '0',
    '--json',
    ...args,
  );
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as T;
}

let ageSeconds = 10_000;

/** A pending upload in the sandbox bucket, its expiry an hour or more in the past. */
async function expiredUpload(options: { put: boolean; expire?: boolean }) {
  const file = uniqueText('sweep');
  const result = await stack.requestUploadWith(
    { bucket: process.env.SANDBOX_BUCKET! },
    tenant,
    file,
    'text/plain',
  );
  if (result.outcome !== 'upload') throw new Error('expected a new upload');
  if (options.put) expect(await putPresigned(result.presigned, file.bytes)).toBe(200);
  if (options.expire ?? true) {
    // Oldest first: each upload made here expired a second later than the one before.
    ageSeconds -= 1;
    await stack.pool.query(
      `UPDATE uploads SET expires_at = now() - make_interval(secs => $2) WHERE id = $1`,
      [result.upload.id, ageSeconds],
    );
  }
  return result.upload;
}

async function stateOf(id: string) {
  const { rows } = await stack.pool.query<{ state: string; reason: string | null }>(
    'SELECT state, reason FROM uploads WHERE id = $1',
    [id],
  );
  return rows[0];
}

async function exists(object: ObjectRef): Promise<boolean> {
  const opened = await objects.open(object);
  opened?.body.destroy();
  return opened !== undefined;
}

beforeAll(async () => {
  tenant = await stack.tenant();
});

afterAll(async () => {
  await stack.close();
});

describe('airlock sweep', () => {
  let withObject: { id: string; bucket: string; key: string };
  let withoutObject: { id: string; bucket: string; key: string };
  let alreadyUploaded: { id: string; bucket: string; key: string };
  let sharedKey: { id: string; bucket: string; key: string };
  let liveSharer: { id: string; bucket: string; key: string };

  beforeAll(async () => {
    withObject = await expiredUpload({ put: true });
    withoutObject = await expiredUpload({ put: false });

    alreadyUploaded = await expiredUpload({ put: true });
    await stack.uploads.transition({ uploadId: alreadyUploaded.id, to: 'uploaded', actor: 'test' });

    sharedKey = await expiredUpload({ put: true });
    // The same content requested again lands at the same key: a live upload, not yet expired.
    liveSharer = await expiredUpload({ put: false, expire: false });
    await stack.pool.query('UPDATE uploads SET bucket = $2, key = $3 WHERE id = $1', [
      liveSharer.id,
      sharedKey.bucket,
      sharedKey.key,
    ]);
  });

  it('--dry-run lists what would expire, oldest first, and changes nothing', async () => {
    const result = await sweep<DryRunResult>('--dry-run');
    expect(result.dryRun).toBe(true);
    expect(result.wouldExpire.map((u) => u.id)).toEqual([
      withObject.id,
      withoutObject.id,
      sharedKey.id,
    ]);
    for (const upload of [withObject, withoutObject, sharedKey, liveSharer])
      expect(await stateOf(upload.id)).toEqual({ state: 'pending', reason: null });
    expect(await stateOf(alreadyUploaded.id)).toMatchObject({ state: 'uploaded' });
    expect(await exists(withObject)).toBe(true);
    expect(await exists(sharedKey)).toBe(true);
  });

  it('expires pending uploads past expiry and removes objects no live upload uses', async () => {
    const result = await sweep();
    expect(result).toMatchObject({
      dryRun: false,
      counts: { expired: 3, objectsRemoved: 1, objectsKept: 1, skipped: 0 },
      expired: [withObject.id, withoutObject.id, sharedKey.id],
      objectsRemoved: [withObject.id],
      objectsKept: [sharedKey.id],
    });

    for (const upload of [withObject, withoutObject, sharedKey])
      expect(await stateOf(upload.id)).toEqual({ state: 'expired', reason: 'expired' });
    expect(await stateOf(alreadyUploaded.id)).toMatchObject({ state: 'uploaded' });
    expect(await stateOf(liveSharer.id)).toMatchObject({ state: 'pending' });

    expect(await exists(withObject)).toBe(false);
    expect(await exists(sharedKey)).toBe(true);
    expect(await exists(alreadyUploaded)).toBe(true);

    const { rows } = await stack.pool.query(
      `SELECT from_state, to_state, reason, actor FROM upload_events
       WHERE upload_id = $1 ORDER BY id DESC LIMIT 1`,
      [withObject.id],
    );
    expect(rows).toEqual([
      { from_state: 'pending', to_state: 'expired', reason: 'expired', actor: 'sweep' },
    ]);
  });

  it('a second run is a no-op', async () => {
    const result = await sweep();
    expect(result.counts).toEqual({
      expired: 0,
      objectsRemoved: 0,
      objectsKept: 0,
      skipped: 0,
      multipartAborted: 0,
      orphansAborted: 0,
    });
    expect((await sweep<DryRunResult>('--dry-run')).wouldExpire).toEqual([]);
  });

  it('--limit caps the run; without --json it prints counts (progress on stderr)', async () => {
    const first = await expiredUpload({ put: true });
    const second = await expiredUpload({ put: false });

    const run = await airlock(
      'sweep',
      '--customer',
      tenant.customerId,
      '--grace',
      '0',
      '--limit',
      '1',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      '1 upload expired, 1 object removed, 0 kept (in use by another upload), ' +
        '0 skipped (moved on meanwhile), 0 multipart uploads aborted (0 orphaned)\n',
    );
    expect(await stateOf(first.id)).toMatchObject({ state: 'expired' });
    expect(await stateOf(second.id)).toMatchObject({ state: 'pending' });
    expect(await exists(first)).toBe(false);

    // The default grace (300 s) still covers an upload that expired an hour ago.
    const rest = await airlock('sweep', '--customer', tenant.customerId, '--json');
    expect(JSON.parse(rest.stdout)).toMatchObject({ expired: [second.id] });
  });

  it('leaves uploads within the grace period alone', async () => {
    const recent = await expiredUpload({ put: false, expire: false });
    await stack.pool.query(
      `UPDATE uploads SET expires_at = now() - interval '10 seconds' WHERE id = $1`,
      [recent.id],
    );
    const result = await sweep('--grace', '300');
    expect(result.counts.expired).toBe(0);
    expect(await stateOf(recent.id)).toMatchObject({ state: 'pending' });
  });

  it('two sweeps at once never both take the same upload', async () => {
    const uploads = [];
    for (let i = 0; i < 6; i += 1) uploads.push(await expiredUpload({ put: i % 2 === 0 }));

    const [a, b] = await Promise.all([sweep('--batch', '2'), sweep('--batch', '2')]);
    const taken = [...a.expired, ...b.expired];
    // Each upload expired exactly once (the grace-period test's leftover may be taken too).
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken).toEqual(expect.arrayContaining(uploads.map((u) => u.id)));
    expect(a.counts.objectsRemoved + b.counts.objectsRemoved).toBe(3);
    for (const upload of uploads) expect(await exists(upload)).toBe(false);
  });

  it('rejects a bad --customer with one line on stderr', async () => {
    const run = await airlock('sweep', '--customer', 'nope');
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--customer/);
  });
});

describe('airlock sweep and multipart uploads', () => {
  const sandbox = () => process.env.SANDBOX_BUCKET!;
  const open = new S3OpenMultipartUploads({ s3: stack.s3 });
  const begun: Array<{ bucket: string; key: string; uploadId: string }> = [];

  /** A multipart upload in the store holding one (billed) 5 MiB part, as a client leaves it. */
  async function multipartWithPart(bucket: string, key: string) {
    const created = await stack.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    const body = randomBytes(5 * 1024 * 1024);
    await stack.s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId!,
        PartNumber: 1,
        Body: body,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const upload = { bucket, key, uploadId: created.UploadId! };
    begun.push(upload);
    return upload;
  }

  /** A pending upload sent in parts (S3 multipart upload begun, one part stored). */
  async function pendingMultipart(options: { expire: boolean }) {
    const upload = await expiredUpload({ put: false, expire: options.expire });
    const multipart = await multipartWithPart(upload.bucket, upload.key);
    await stack.pool.query(
      `UPDATE uploads SET multipart_upload_id = $2, part_size = $3, part_count = 2 WHERE id = $1`,
      [upload.id, multipart.uploadId, 5 * 1024 * 1024],
    );
    return { ...upload, uploadId: multipart.uploadId };
  }

  async function openIds(bucket: string): Promise<string[]> {
    const { Uploads } = await stack.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (Uploads ?? []).map((upload) => upload.UploadId!);
  }

  afterAll(async () => {
    for (const upload of begun) await open.abort(upload);
  });

  it('aborts the multipart upload of a pending upload it expires; dry run first', async () => {
    const abandoned = await pendingMultipart({ expire: true });
    const live = await pendingMultipart({ expire: false });

    const dry = await sweep<DryRunResult>('--dry-run');
    expect(dry.wouldExpire).toEqual([
      expect.objectContaining({ id: abandoned.id, multipart: true }),
    ]);
    expect(dry.wouldAbortOrphans).toEqual([]);
    expect(await openIds(abandoned.bucket)).toEqual(
      expect.arrayContaining([abandoned.uploadId, live.uploadId]),
    );

    const result = await sweep();
    expect(result.counts).toMatchObject({ expired: 1, multipartAborted: 1, orphansAborted: 0 });
    expect(result.multipartAborted).toEqual([abandoned.id]);
    expect(await stateOf(abandoned.id)).toEqual({ state: 'expired', reason: 'expired' });
    expect(await stateOf(live.id)).toMatchObject({ state: 'pending' });

    const still = await openIds(abandoned.bucket);
    expect(still).not.toContain(abandoned.uploadId);
    expect(still).toContain(live.uploadId);
    // Nothing of it is left billing: the store no longer knows the upload.
    expect(await open.abort(abandoned)).toBe(false);
  });

  it('aborts multipart uploads no pending upload owns, past the grace period, in the buckets named', async () => {
    const orphan = await multipartWithPart(sandbox(), `orphan/${randomBytes(8).toString('hex')}`);
    const owned = await pendingMultipart({ expire: false });
    // Its upload was expired (by a sweep that then failed to abort, say): nobody owns it now.
    const leftover = await pendingMultipart({ expire: true });
    await stack.pool.query(
      `UPDATE uploads SET state = 'expired', reason = 'expired' WHERE id = $1`,
      [leftover.id],
    );

    // Just begun: within a 300 s grace, nothing is an orphan yet.
    const early = await sweep<DryRunResult>('--dry-run', '--bucket', sandbox(), '--grace', '300');
    expect(early.wouldAbortOrphans).toEqual([]);
    // A sweep of one customer leaves orphans (which belong to no customer) alone by default.
    expect((await sweep<DryRunResult>('--dry-run')).wouldAbortOrphans).toEqual([]);

    const dry = await sweep<DryRunResult>('--dry-run', '--bucket', sandbox());
    expect(dry.wouldAbortOrphans.map((o) => o.uploadId).sort()).toEqual(
      [orphan.uploadId, leftover.uploadId].sort(),
    );
    expect(await openIds(sandbox())).toEqual(
      expect.arrayContaining([orphan.uploadId, leftover.uploadId, owned.uploadId]),
    );

    const result = await sweep('--bucket', sandbox());
    expect(result.counts).toMatchObject({ expired: 0, multipartAborted: 0, orphansAborted: 2 });
    expect(result.orphansAborted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bucket: sandbox(), key: orphan.key, uploadId: orphan.uploadId }),
        expect.objectContaining({ key: leftover.key, uploadId: leftover.uploadId }),
      ]),
    );
    const still = await openIds(sandbox());
    expect(still).not.toContain(orphan.uploadId);
    expect(still).not.toContain(leftover.uploadId);
    expect(still).toContain(owned.uploadId);
    expect(await stateOf(owned.id)).toMatchObject({ state: 'pending' });

    const again = await sweep('--bucket', sandbox());
    expect(again.counts.orphansAborted).toBe(0);
  });
});
