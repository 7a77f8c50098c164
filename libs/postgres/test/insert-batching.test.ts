import { randomBytes, randomUUID } from 'node:crypto';
import type { NewUpload } from '@airlock/core';
import { newUpload } from '@airlock/core/testing';
import { PgUploadRepository, type Pool } from '../src/index.ts';
import { tenant, useTestDatabase } from './test-database.ts';

// insertPendingUnlessLive gathers the calls made while one is in flight into
// one statement: each caller still gets its own row's answer.

let pool: Pool;
useTestDatabase((created) => (pool = created));

/** The pool, counting the insert statements sent through it by name. */
function countingPool(): { pool: Pool; sent: Map<string, number> } {
  const sent = new Map<string, number>();
  const counting = new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (query: { name?: string }, ...rest: unknown[]) => {
        if (query.name) sent.set(query.name, (sent.get(query.name) ?? 0) + 1);
        return (target.query as (...args: unknown[]) => unknown)(query, ...rest);
      };
    },
  });
  return { pool: counting, sent };
}

it('answers 50 concurrent callers each with its own row, in fewer than 50 statements', async () => {
  const owner = await tenant(pool);
  const scope = { ...owner, dedupScope: `customer:${owner.customerId}` };
  const { pool: counting, sent } = countingPool();
  const uploads = new PgUploadRepository({ pool: counting });
  const alreadyLive = (await uploads.insertPendingUnlessLive(newUpload(scope), 'api'))!.upload;
  sent.clear();

  const twinned = Array.from({ length: 8 }, () => newUpload(scope));
  const calls: NewUpload[] = [
    ...twinned.flatMap((upload) => [upload, { ...upload }, { ...upload }]), // 24
    ...Array.from({ length: 23 }, () => newUpload(scope)),
    newUpload(scope, { declaredSha256: alreadyLive.declaredSha256 }),
    newUpload(scope, { declaredSha256: alreadyLive.declaredSha256 }),
  ];
  const badReference = newUpload(scope, { apiKeyId: randomUUID() });
  calls.splice(20, 0, badReference);
  expect(calls).toHaveLength(50);

  const results = await Promise.allSettled(
    calls.map((upload, i) => uploads.insertPendingUnlessLive(upload, `caller-${i}`)),
  );

  const bad = results[calls.indexOf(badReference)]!;
  expect(bad).toMatchObject({ status: 'rejected', reason: { code: '23503' } });
  // Every other caller gets an answer, not an error.
  const answers = results
    .filter((r) => r !== bad)
    .map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
  const others = calls.filter((c) => c !== badReference);
  // Per content: exactly one caller created it; its twins saw that upload or lost the race (look again).
  for (const sha256 of new Set(others.map((c) => c.declaredSha256))) {
    const mine = answers.filter((_, i) => others[i]!.declaredSha256 === sha256);
    const winners = mine.filter((a) => a?.created);
    if (sha256 === alreadyLive.declaredSha256) {
      expect(mine).toEqual([
        { upload: alreadyLive, created: false },
        { upload: alreadyLive, created: false },
      ]);
      continue;
    }
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.upload;
    expect(winner).toMatchObject({
      declaredSha256: sha256,
      customerId: owner.customerId,
      state: 'pending',
    });
    for (const loser of mine.filter((a) => !a?.created)) {
      if (loser) expect(loser).toEqual({ upload: winner, created: false });
    }
  }
  // Each created upload is its own caller's row, with its own audit event.
  answers.forEach((answer, i) => {
    if (answer?.created) expect(answer.upload).toMatchObject(others[i]!);
  });

  const { rows } = await pool.query<{
    live: number;
    contents: number;
    audited: number;
    actors: number;
  }>(
    `SELECT count(*)::int AS live, count(DISTINCT declared_sha256)::int AS contents,
       (SELECT count(*)::int FROM upload_events e JOIN uploads v ON v.id = e.upload_id
        WHERE v.customer_id = $1 AND e.actor LIKE 'caller-%') AS audited,
       (SELECT count(DISTINCT e.actor)::int FROM upload_events e JOIN uploads v ON v.id = e.upload_id
        WHERE v.customer_id = $1 AND e.actor LIKE 'caller-%') AS actors
     FROM uploads WHERE customer_id = $1 AND state <> ALL ('{rejected,quarantined,expired}')`,
    [owner.customerId],
  );
  const created = answers.filter((a) => a?.created);
  expect(rows[0]).toEqual({
    live: new Set(others.map((c) => c.declaredSha256)).size,
    contents: new Set(others.map((c) => c.declaredSha256)).size,
    audited: created.length,
    actors: created.length,
  });
  expect(created).toHaveLength(8 + 23);

  const statements = [...sent.values()].reduce((a, b) => a + b, 0);
  expect(sent.get('upload-insert-unless-live-batch')).toBeGreaterThan(0);
  expect(statements).toBeLessThan(50);
});

it('lets only the first of two twins in one batch insert; the other sees it live', async () => {
  const owner = await tenant(pool);
  const scope = { ...owner, dedupScope: `customer:${owner.customerId}` };
  const { pool: counting, sent } = countingPool();
  const uploads = new PgUploadRepository({ pool: counting });
  const sha256 = randomBytes(32).toString('hex');
  const [lead, first, second] = await Promise.all([
    uploads.insertPendingUnlessLive(newUpload(scope), 'api'), // goes alone; the twins wait for it together
    uploads.insertPendingUnlessLive(newUpload(scope, { declaredSha256: sha256, key: 'a' }), 'api'),
    uploads.insertPendingUnlessLive(newUpload(scope, { declaredSha256: sha256, key: 'b' }), 'api'),
  ]);
  expect(lead).toMatchObject({ created: true });
  expect(first).toMatchObject({ created: true, upload: { key: 'a' } });
  expect(second).toEqual({ upload: first!.upload, created: false });
  expect(Object.fromEntries(sent)).toEqual({
    'upload-insert-unless-live': 1,
    'upload-insert-unless-live-batch': 1,
  });
});
