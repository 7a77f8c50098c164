import { randomUUID } from 'node:crypto';
import { PgExpiredUploads, PgUploadRepository, type Pool } from '../src/index.ts';
import { pgWorld, useTestDatabase } from './test-database.ts';

// What the ops CLI's sweep and rescan walk through: keyset pages that must
// hand out every row once even when timestamps tie, with their filters.

let pool: Pool;
useTestDatabase((created) => (pool = created));

async function all<T extends { id: string }>(pages: AsyncGenerator<T[]>, pageSize: number) {
  const ids: string[] = [];
  for await (const page of pages) {
    expect(page.length).toBeLessThanOrEqual(pageSize);
    ids.push(...page.map((row) => row.id));
  }
  return ids;
}

const set = (column: 'created_at' | 'expires_at', ids: string[], at: string) =>
  pool.query(`UPDATE uploads SET ${column} = $2::timestamptz WHERE id = ANY($1::uuid[])`, [
    ids,
    at,
  ]);

describe('the rescan listing (PgUploadRepository.cleanSince)', () => {
  it('pages through clean and ready uploads created since, each once even when their times tie', async () => {
    const world = pgWorld(pool);
    const served = [];
    for (const state of ['clean', 'ready', 'ready', 'clean', 'ready'] as const)
      served.push(await world.seed({ state }));
    const others = [
      await world.seed({ state: 'verified' }),
      await world.seed({ state: 'quarantined' }),
    ];
    const since = '2030-01-01T00:00:00Z';
    await set(
      'created_at',
      [...served, ...others].map((u) => u.id),
      since,
    );
    const uploads = new PgUploadRepository({ pool });

    const listed = await all(uploads.cleanSince(new Date(since), undefined, 2), 2);
    expect(listed.toSorted()).toEqual(served.map((u) => u.id).toSorted());
    await expect(uploads.countCleanSince(new Date(since))).resolves.toBe(5);
    const one = served[2]!;
    await expect(all(uploads.cleanSince(new Date(since), one.customerId), 500)).resolves.toEqual([
      one.id,
    ]);
    await expect(uploads.countCleanSince(new Date(since), one.customerId)).resolves.toBe(1);
  });
});

describe('the sweep listing (PgExpiredUploads)', () => {
  const expired = () => new PgExpiredUploads({ pool });

  it('pages through pending uploads past expiry and grace, oldest expiry first, each once', async () => {
    const world = pgWorld(pool);
    const old = [];
    for (let i = 0; i < 4; i++) old.push(await world.seed({ state: 'pending' }));
    const recent = await world.seed({ state: 'pending' });
    const arrived = await world.seed({ state: 'uploaded' });
    const twoHoursAgo = new Date(Date.now() - 7_200_000).toISOString();
    await set('expires_at', [...old.map((u) => u.id), arrived.id], twoHoursAgo);
    await set('expires_at', [recent.id], new Date(Date.now() - 60_000).toISOString());

    const listed = await all(expired().pages({ graceSeconds: 0 }, 2), 2);
    expect(listed.slice(0, 4).toSorted()).toEqual(old.map((u) => u.id).toSorted());
    expect(listed.slice(4)).toEqual([recent.id]);
    await expect(expired().count({ graceSeconds: 0 })).resolves.toBe(5);
    await expect(expired().count({ graceSeconds: 3600 })).resolves.toBe(4);
    await expect(expired().count({ graceSeconds: 0, customerId: recent.customerId })).resolves.toBe(
      1,
    );
  });

  it('knows which multipart uploads a pending upload still owns', async () => {
    const world = pgWorld(pool);
    const upload = await world.seed({ state: 'pending' });
    const mpu = `mpu-${randomUUID()}`;
    await world.uploads.attachMultipart(
      upload.id,
      { multipartUploadId: mpu, partSize: 5_242_880, partCount: 2 },
      upload.expiresAt,
    );
    await expect(expired().pendingMultipartOwners('uploads', [mpu, 'mpu-lost'])).resolves.toEqual(
      new Set([mpu]),
    );
    await expect(expired().pendingMultipartOwners('other-bucket', [mpu])).resolves.toEqual(
      new Set(),
    );
    await world.uploads.cancelPending(upload.id, 'test');
    await expect(expired().pendingMultipartOwners('uploads', [mpu])).resolves.toEqual(new Set());
    await expect(expired().pendingMultipartOwners('uploads', [])).resolves.toEqual(new Set());
  });

  it('knows whether another live upload still needs an object', async () => {
    const world = pgWorld(pool);
    const at = { bucket: 'uploads', key: `shared/${randomUUID()}.png` };
    const sweeping = await world.seed({ ...at, state: 'pending' });
    const other = await world.seed({ ...at, state: 'ready' });
    await expect(expired().objectInUse(at.bucket, at.key, sweeping.id)).resolves.toBe(true);
    await expect(expired().objectInUse(at.bucket, at.key, other.id)).resolves.toBe(true);
    await world.uploads.transition({ uploadId: other.id, to: 'quarantined', actor: 'test' });
    await expect(expired().objectInUse(at.bucket, at.key, sweeping.id)).resolves.toBe(false);
  });
});
