import { randomBytes } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  orphanBuckets,
  previewSweep,
  sweepAbandonedUploads,
  type SweepOptions,
} from '../../src/operations/sweep.ts';
import { StackClients, type Tenant } from '@airlock/testing';
import { SweepFixtures } from '../support/sweep-fixtures.ts';

// The sweep's logic, called directly (no CLI) against the real stack:
// PostgreSQL, the S3 emulator. test/sweep.test.ts runs the command end to end.
const stack = new StackClients();
const deps = { pool: stack.pool, s3: stack.s3 };
let tenant: Tenant;
let fixtures: SweepFixtures;

/** This test's customer only, no grace, no orphan buckets, unless overridden. */
const options = (overrides: Partial<SweepOptions> = {}): SweepOptions => ({
  graceSeconds: 0,
  customerId: tenant.customerId,
  orphanBuckets: [],
  ...overrides,
});

beforeAll(async () => {
  tenant = await stack.tenant();
  fixtures = new SweepFixtures(stack, tenant);
});

afterAll(async () => {
  await fixtures.close();
  await stack.close();
});

describe('orphanBuckets', () => {
  it('is the uploads bucket, none for one customer, or the buckets named', () => {
    expect(orphanBuckets({}, 'uploads')).toEqual(['uploads']);
    expect(orphanBuckets({ customerId: tenant.customerId }, 'uploads')).toEqual([]);
    expect(orphanBuckets({ customerId: tenant.customerId, buckets: ['b'] }, 'uploads')).toEqual([
      'b',
    ]);
  });
});

describe('previewSweep and sweepAbandonedUploads', () => {
  it('previews oldest first, then expires, removes unused objects and reports progress', async () => {
    const withObject = await fixtures.expiredUpload({ put: true });
    const withoutObject = await fixtures.expiredUpload({ put: false });
    const uploaded = await fixtures.expiredUpload({ put: true });
    await stack.uploads.transition({ uploadId: uploaded.id, to: 'uploaded', actor: 'test' });
    const shared = await fixtures.expiredUpload({ put: true });
    // The same content requested again lands at the same key: a live upload, not yet expired.
    const sharer = await fixtures.expiredUpload({ put: false, expire: false });
    await stack.pool.query('UPDATE uploads SET bucket = $2, key = $3 WHERE id = $1', [
      sharer.id,
      shared.bucket,
      shared.key,
    ]);

    const preview = await previewSweep(deps, options());
    expect(preview.wouldExpire.map((u) => u.id)).toEqual([
      withObject.id,
      withoutObject.id,
      shared.id,
    ]);
    expect(preview.wouldExpire[0]).toEqual({
      id: withObject.id,
      customerId: tenant.customerId,
      bucket: withObject.bucket,
      key: withObject.key,
      expiresAt: expect.stringMatching(/Z$/),
      multipart: false,
    });
    expect(preview.wouldAbortOrphans).toEqual([]);
    expect(await fixtures.stateOf(withObject.id)).toEqual({ state: 'pending', reason: null });
    expect(await fixtures.exists(withObject)).toBe(true);

    const progress: Array<[number, number]> = [];
    const report = await sweepAbandonedUploads(deps, options(), (done, total) =>
      progress.push([done, total]),
    );
    expect(report).toEqual({
      expired: [withObject.id, withoutObject.id, shared.id],
      objectsRemoved: [withObject.id],
      objectsKept: [shared.id],
      skipped: [],
      multipartAborted: [],
      orphansAborted: [],
    });
    expect(progress).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    for (const upload of [withObject, withoutObject, shared])
      expect(await fixtures.stateOf(upload.id)).toEqual({ state: 'expired', reason: 'expired' });
    expect(await fixtures.stateOf(uploaded.id)).toMatchObject({ state: 'uploaded' });
    expect(await fixtures.stateOf(sharer.id)).toMatchObject({ state: 'pending' });
    expect(await fixtures.exists(withObject)).toBe(false);
    expect(await fixtures.exists(shared)).toBe(true);
    expect(await fixtures.exists(uploaded)).toBe(true);
    const { rows } = await stack.pool.query(
      `SELECT from_state, to_state, reason, actor FROM upload_events
       WHERE upload_id = $1 ORDER BY id DESC LIMIT 1`,
      [withObject.id],
    );
    expect(rows).toEqual([
      { from_state: 'pending', to_state: 'expired', reason: 'expired', actor: 'sweep' },
    ]);

    expect(await sweepAbandonedUploads(deps, options())).toMatchObject({ expired: [] });
    expect((await previewSweep(deps, options())).wouldExpire).toEqual([]);
  });

  it('takes at most `limit`, and leaves uploads within the grace period alone', async () => {
    const first = await fixtures.expiredUpload({ put: false });
    const second = await fixtures.expiredUpload({ put: false });
    const recent = await fixtures.expiredUpload({ put: false, expire: false });
    await stack.pool.query(
      `UPDATE uploads SET expires_at = now() - interval '10 seconds' WHERE id = $1`,
      [recent.id],
    );

    expect((await previewSweep(deps, options({ limit: 1 }))).wouldExpire).toHaveLength(1);
    expect((await sweepAbandonedUploads(deps, options({ limit: 1 }))).expired).toEqual([first.id]);
    expect((await sweepAbandonedUploads(deps, options({ graceSeconds: 300 }))).expired).toEqual([
      second.id,
    ]);
    expect(await fixtures.stateOf(recent.id)).toMatchObject({ state: 'pending' });
    expect((await sweepAbandonedUploads(deps, options())).expired).toEqual([recent.id]);
  });

  it('two sweeps at once never both take the same upload', async () => {
    const uploads = [];
    for (let i = 0; i < 6; i += 1) uploads.push(await fixtures.expiredUpload({ put: i % 2 === 0 }));

    const [a, b] = await Promise.all([
      sweepAbandonedUploads(deps, options({ batchSize: 2 })),
      sweepAbandonedUploads(deps, options({ batchSize: 2 })),
    ]);
    const taken = [...a.expired, ...b.expired];
    expect(taken.sort()).toEqual(uploads.map((u) => u.id).sort());
    expect(a.objectsRemoved.length + b.objectsRemoved.length).toBe(3);
    // What one sweep found and the other took first, it skipped.
    expect([...a.skipped, ...b.skipped].every((id) => taken.includes(id))).toBe(true);
    for (const upload of uploads) expect(await fixtures.exists(upload)).toBe(false);
  });
});

describe('sweepAbandonedUploads and multipart uploads', () => {
  // A bucket of this test's own: orphans belong to no customer, so no other test's are in it.
  const bucket = `ops-sweep-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await stack.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('aborts the multipart upload of a pending upload it expires', async () => {
    const abandoned = await fixtures.pendingMultipart({ expire: true, bucket });
    const live = await fixtures.pendingMultipart({ expire: false, bucket });

    expect((await previewSweep(deps, options())).wouldExpire).toEqual([
      expect.objectContaining({ id: abandoned.id, multipart: true }),
    ]);
    const report = await sweepAbandonedUploads(deps, options());
    expect(report).toMatchObject({ expired: [abandoned.id], multipartAborted: [abandoned.id] });
    const open = await fixtures.openIds(bucket);
    expect(open).not.toContain(abandoned.uploadId);
    expect(open).toContain(live.uploadId);
  });

  it('aborts multipart uploads no pending upload owns, past the grace period, in the buckets named', async () => {
    const orphan = await fixtures.multipartWithPart(
      bucket,
      `orphan/${randomBytes(8).toString('hex')}`,
    );
    const owned = await fixtures.pendingMultipart({ expire: false, bucket });
    // Its upload was expired (by a sweep that then failed to abort, say): nobody owns it now.
    const leftover = await fixtures.pendingMultipart({ expire: true, bucket });
    await stack.pool.query(
      `UPDATE uploads SET state = 'expired', reason = 'expired' WHERE id = $1`,
      [leftover.id],
    );
    const withBucket = (graceSeconds: number) => options({ orphanBuckets: [bucket], graceSeconds });

    // Just begun: within a 300 s grace, nothing is an orphan yet.
    expect((await previewSweep(deps, withBucket(300))).wouldAbortOrphans).toEqual([]);
    const preview = await previewSweep(deps, withBucket(0));
    expect(preview.wouldAbortOrphans.map((o) => o.uploadId).sort()).toEqual(
      [orphan.uploadId, leftover.uploadId].sort(),
    );
    expect(preview.wouldAbortOrphans).toContainEqual({
      bucket,
      key: orphan.key,
      uploadId: orphan.uploadId,
      initiated: expect.stringMatching(/Z$/),
    });

    const report = await sweepAbandonedUploads(deps, withBucket(0));
    expect(report.orphansAborted.map((o) => o.uploadId).sort()).toEqual(
      [orphan.uploadId, leftover.uploadId].sort(),
    );
    expect(await fixtures.openIds(bucket)).toEqual(expect.arrayContaining([owned.uploadId]));
    expect(await fixtures.openIds(bucket)).not.toContain(orphan.uploadId);
    expect(await fixtures.stateOf(owned.id)).toMatchObject({ state: 'pending' });
    expect((await sweepAbandonedUploads(deps, withBucket(0))).orphansAborted).toEqual([]);
  });
});
