import { randomBytes } from 'node:crypto';
import type { UploadState } from '@airlock/core';
import {
  PgMessageFailures,
  PgObjectIncidents,
  PgRetention,
  PgUploadScans,
  type Pool,
  type RetentionPolicy,
} from '../src/index.ts';
import { pgWorld, tenant, uploadToken, useTestDatabase } from './test-database.ts';

// Retention and partitioning (docs/retention.md) on a freshly migrated
// database: partitions made ahead, old months dropped, terminal uploads
// removed with their audit, and nothing removed that must stay.

let pool: Pool;
useTestDatabase((created) => (pool = created));

const retention = () => new PgRetention({ pool });
const POLICY: RetentionPolicy = {
  terminalUploadsDays: 90,
  webhookDeliveriesDays: 30,
  objectIncidentsDays: 365,
  messageFailuresDays: 30,
  uploadTokensDays: 7,
  partitionMonthsAhead: 2,
};

/** `YYYY_MM` of the UTC month `offset` months from now. */
function monthSuffix(offset: number): string {
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return `${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

async function partitionsOf(table: string): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = $1::regclass ORDER BY 1`,
    [table],
  );
  return rows.map((row) => row.name);
}

/** The partition a row of `table` is stored in. */
async function partitionOfRow(table: string, where: string, value: unknown): Promise<string> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT tableoid::regclass::text AS name FROM ${table} WHERE ${where} = $1`,
    [value],
  );
  return rows[0]!.name;
}

/** Makes the month partition `offset` months from now (as the migration owner), as a month long past would have. */
const monthPartition = (table: string, offset: number) =>
  pool.query(
    `SELECT airlock_month_partition($1::regclass, now() + make_interval(months => $2), false)`,
    [table, offset],
  );

async function count(sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, values);
  return Number(rows[0]!.n);
}

describe('month partitions', () => {
  it('exist from the migration for this month and the next two, with a DEFAULT, for each partitioned table', async () => {
    for (const table of ['object_incidents', 'webhook_deliveries'])
      expect(await partitionsOf(table)).toEqual(
        expect.arrayContaining([
          `${table}_default`,
          ...[0, 1, 2].map((offset) => `${table}_p${monthSuffix(offset)}`),
        ]),
      );
  });

  it('are made further ahead on request, once: a dry run only says which', async () => {
    const next = [`object_incidents_p${monthSuffix(3)}`, `webhook_deliveries_p${monthSuffix(3)}`];
    expect(await retention().createPartitions(3, true)).toEqual(
      next.map((target) => ({ action: 'create_partition', target, rows: 0 })),
    );
    expect(await partitionsOf('object_incidents')).not.toContain(next[0]);
    expect(await retention().createPartitions(3, false)).toEqual(
      next.map((target) => ({ action: 'create_partition', target, rows: 0 })),
    );
    expect(await partitionsOf('object_incidents')).toContain(next[0]);
    expect(await retention().createPartitions(3, false)).toEqual([]);
  });

  it('take over the rows a missed run left in DEFAULT, so an insert never fails and nothing is lost', async () => {
    const at = await pool.query<{ id: string }>(
      `INSERT INTO object_incidents (bucket, key, reason, at)
       VALUES ('uploads', 'far/future', 'test', now() + interval '6 months') RETURNING id`,
    );
    const id = at.rows[0]!.id;
    expect(await partitionOfRow('object_incidents', 'id', id)).toBe('object_incidents_default');
    await retention().createPartitions(6, false);
    expect(await partitionOfRow('object_incidents', 'id', id)).toBe(
      `object_incidents_p${monthSuffix(6)}`,
    );
    expect(await count(`object_incidents WHERE id = $1`, [id])).toBe(1);
  });

  it('receive the webhook outbox rows the trigger on upload_events writes, in this month', async () => {
    const world = pgWorld(pool);
    const upload = await world.seed({ state: 'clean', webhookEndpoint: true });
    await world.uploads.transition({ uploadId: upload.id, to: 'ready', actor: 'test' });
    const [delivery] = await world.deliveries(upload.id);
    expect(await partitionOfRow('webhook_deliveries', 'id', delivery!.id)).toBe(
      `webhook_deliveries_p${monthSuffix(0)}`,
    );
  });
});

/** An upload moved to `to` (with a webhook endpoint, so terminal moves queue a delivery), last moved `daysAgo`. */
async function uploadIn(
  from: UploadState,
  to: UploadState,
  daysAgo: number,
): Promise<{ id: string; deliveryIds: string[] }> {
  const world = pgWorld(pool);
  const upload = await world.seed({ state: from, webhookEndpoint: true });
  await world.uploads.transition({ uploadId: upload.id, to, actor: 'test' });
  await pool.query(
    `UPDATE uploads SET updated_at = now() - make_interval(days => $2) WHERE id = $1`,
    [upload.id, daysAgo],
  );
  return { id: upload.id, deliveryIds: (await world.deliveries(upload.id)).map((d) => d.id) };
}

const settle = (deliveryIds: string[]) =>
  pool.query(`UPDATE webhook_deliveries SET delivered_at = now() WHERE id = ANY($1::uuid[])`, [
    deliveryIds,
  ]);

/** Moves deliveries into the month `offset` months from now (the row moves to that partition). */
async function ageDeliveries(deliveryIds: string[], offset: number): Promise<void> {
  await monthPartition('webhook_deliveries', offset);
  await pool.query(
    `UPDATE webhook_deliveries SET created_at = date_trunc('month', now() + make_interval(months => $2)) + interval '1 day'
     WHERE id = ANY($1::uuid[])`,
    [deliveryIds, offset],
  );
}

describe('pruning old logs', () => {
  it('drops a month of settled deliveries whole; of a month still holding one to send, deletes only the settled', async () => {
    const gone = await uploadIn('clean', 'ready', 0);
    await settle(gone.deliveryIds);
    await ageDeliveries(gone.deliveryIds, -4);
    const sent = await uploadIn('clean', 'ready', 0);
    const waiting = await uploadIn('clean', 'ready', 0);
    await settle(sent.deliveryIds);
    await ageDeliveries([...sent.deliveryIds, ...waiting.deliveryIds], -3);
    const recent = await uploadIn('clean', 'ready', 0);
    await settle(recent.deliveryIds);

    const dryRun = await retention().pruneLogs(POLICY, true);
    const old = `webhook_deliveries_p${monthSuffix(-4)}`;
    const mixed = `webhook_deliveries_p${monthSuffix(-3)}`;
    const expected = [
      { action: 'drop_partition', target: old, rows: 1 },
      { action: 'delete', target: mixed, rows: 1 },
      { action: 'keep_unsettled', target: mixed, rows: 1 },
    ];
    expect(dryRun).toEqual(expect.arrayContaining(expected));
    expect(await partitionsOf('webhook_deliveries')).toContain(old);

    expect(await retention().pruneLogs(POLICY, false)).toEqual(expect.arrayContaining(expected));
    expect(await partitionsOf('webhook_deliveries')).not.toContain(old);
    expect(await partitionsOf('webhook_deliveries')).toContain(mixed);
    const left = (ids: string[]) => count(`webhook_deliveries WHERE id = ANY($1::uuid[])`, [ids]);
    expect(await left(gone.deliveryIds)).toBe(0);
    expect(await left(sent.deliveryIds)).toBe(0);
    expect(await left(waiting.deliveryIds)).toBe(1);
    expect(await left(recent.deliveryIds)).toBe(1);
    // The deliveries' uploads and their audit are not the deliveries' to remove.
    expect(await count(`upload_events WHERE upload_id = $1`, [gone.id])).toBeGreaterThan(0);
  });

  it('drops months of incidents past their retention and forgets message failures past theirs', async () => {
    const incidents = new PgObjectIncidents({ pool });
    const incident = (key: string) =>
      incidents.record({
        bucket: 'uploads',
        key,
        eTag: undefined,
        size: 1,
        uploadId: undefined,
        reason: 'test',
        quarantine: undefined,
      });
    const oldKey = `old/${randomBytes(4).toString('hex')}`;
    const newKey = `new/${randomBytes(4).toString('hex')}`;
    await incident(oldKey);
    await incident(newKey);
    await monthPartition('object_incidents', -14);
    await pool.query(
      `UPDATE object_incidents SET at = now() - interval '14 months' WHERE key = $1`,
      [oldKey],
    );
    const failures = new PgMessageFailures({ pool });
    for (const messageId of ['old-message', 'new-message'])
      await failures.record({
        queue: 'scan-jobs',
        messageId,
        receiveCount: 1,
        permanent: false,
        error: 'boom',
      });
    await pool.query(
      `UPDATE message_failures SET last_failed_at = now() - interval '31 days' WHERE message_id = 'old-message'`,
    );

    const actions = await retention().pruneLogs(POLICY, false);
    expect(actions).toEqual(
      expect.arrayContaining([
        { action: 'drop_partition', target: `object_incidents_p${monthSuffix(-14)}`, rows: 1 },
        { action: 'delete', target: 'message_failures', rows: 1 },
      ]),
    );
    expect(await incidents.forKey('uploads', oldKey)).toEqual([]);
    expect(await incidents.forKey('uploads', newKey)).toHaveLength(1);
    expect(await failures.find('scan-jobs', 'old-message')).toBeUndefined();
    expect(await failures.find('scan-jobs', 'new-message')).toBeDefined();
  });
});

describe('pruning terminal uploads', () => {
  const exists = async (uploadId: string) => (await count(`uploads WHERE id = $1`, [uploadId])) > 0;
  const events = (uploadId: string) => count(`upload_events WHERE upload_id = $1`, [uploadId]);

  it('removes terminal uploads past retention with their audit, deliveries and scans; keeps the live, the recent and the undelivered', async () => {
    const expired = await uploadIn('pending', 'expired', 100);
    await settle(expired.deliveryIds);
    const rejected = await uploadIn('uploaded', 'rejected', 91);
    await settle(rejected.deliveryIds);
    await new PgUploadScans({ pool }).record({
      uploadId: rejected.id,
      trigger: 'upload',
      result: 'infected',
      signature: 'Eicar',
      engine: 'test',
      signatures: '1',
    });
    const incident = `incident/${randomBytes(4).toString('hex')}`;
    await new PgObjectIncidents({ pool }).record({
      bucket: 'uploads',
      key: incident,
      eTag: undefined,
      size: 1,
      uploadId: rejected.id,
      reason: 'second PUT',
      quarantine: undefined,
    });
    const live = await uploadIn('clean', 'ready', 400);
    await settle(live.deliveryIds);
    const recent = await uploadIn('pending', 'expired', 10);
    await settle(recent.deliveryIds);
    const undelivered = await uploadIn('ready', 'quarantined', 200);

    const dryRun = await retention().pruneUploads(90, 1000, true);
    expect(dryRun).toContainEqual({ action: 'delete', target: 'uploads', rows: 2 });
    expect(dryRun).toContainEqual({ action: 'delete', target: 'upload_scans', rows: 1 });
    expect(dryRun).toContainEqual({ action: 'delete', target: 'webhook_deliveries', rows: 2 });
    expect(await exists(expired.id)).toBe(true);

    const eventsBefore = (await events(expired.id)) + (await events(rejected.id));
    expect(await retention().pruneUploads(90, 1000, false)).toEqual([
      { action: 'delete', target: 'upload_events', rows: eventsBefore },
      { action: 'delete', target: 'webhook_deliveries', rows: 2 },
      { action: 'delete', target: 'upload_scans', rows: 1 },
      { action: 'delete', target: 'uploads', rows: 2 },
    ]);
    for (const gone of [expired, rejected]) {
      expect(await exists(gone.id)).toBe(false);
      expect(await events(gone.id)).toBe(0);
      expect(await count(`webhook_deliveries WHERE upload_id = $1`, [gone.id])).toBe(0);
    }
    // The incident stays (bucket and key), no longer naming the upload.
    expect(await new PgObjectIncidents({ pool }).forKey('uploads', incident)).toEqual([
      expect.objectContaining({ uploadId: undefined }),
    ]);
    for (const kept of [live, recent, undelivered]) {
      expect(await exists(kept.id)).toBe(true);
      expect(await events(kept.id)).toBeGreaterThan(1);
    }
    expect(
      await count(`webhook_deliveries WHERE id = ANY($1::uuid[])`, [undelivered.deliveryIds]),
    ).toBe(1);

    // Once its delivery is settled, the quarantined upload goes on the next run.
    await settle(undelivered.deliveryIds);
    expect(await retention().pruneUploads(90, 1000, false)).toContainEqual({
      action: 'delete',
      target: 'uploads',
      rows: 1,
    });
    expect(await exists(undelivered.id)).toBe(false);
  });

  it('keeps an upload whose clean verdict a live upload reused, and takes at most the batch per run', async () => {
    const scans = new PgUploadScans({ pool });
    const source = await uploadIn('ready', 'quarantined', 100);
    const reuser = await uploadIn('clean', 'ready', 100);
    await settle([...source.deliveryIds, ...reuser.deliveryIds]);
    await scans.record({
      uploadId: source.id,
      trigger: 'upload',
      result: 'clean',
      signature: undefined,
      engine: 'test',
      signatures: '1',
    });
    await pool.query(
      `INSERT INTO upload_scans (upload_id, trigger, result, engine, signatures, reused_from)
       SELECT $2, 'upload', 'clean', engine, signatures, id FROM upload_scans WHERE upload_id = $1`,
      [source.id, reuser.id],
    );
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await uploadIn('pending', 'expired', 100));
    await settle(others.flatMap((o) => o.deliveryIds));

    const removedOne = async () =>
      (await retention().pruneUploads(90, 1, false)).some(
        (a) => a.target === 'uploads' && a.rows === 1,
      );
    let runs = 0;
    while (await removedOne()) runs += 1;
    expect(runs).toBe(others.length);
    for (const other of others) expect(await exists(other.id)).toBe(false);
    expect(await exists(source.id)).toBe(true);
    expect(await exists(reuser.id)).toBe(true);
  });

  it('still refuses to change or delete the audit of an upload that exists, even for the owner', async () => {
    const live = await uploadIn('clean', 'ready', 400);
    await expect(
      pool.query(`DELETE FROM upload_events WHERE upload_id = $1`, [live.id]),
    ).rejects.toThrow('upload_events is append-only');
    await expect(
      pool.query(`UPDATE upload_events SET actor = 'x' WHERE upload_id = $1`, [live.id]),
    ).rejects.toThrow('upload_events is append-only');
  });
});

describe('pruning upload tokens', () => {
  const exists = async (tokenId: string) =>
    (await count(`upload_tokens WHERE id = $1`, [tokenId])) > 0;
  /** Moves a token's life back so it expired `daysAgo` (its hour-long life kept). */
  const expiredDaysAgo = (tokenId: string, daysAgo: number) =>
    pool.query(
      `UPDATE upload_tokens SET created_at = now() - make_interval(days => $2, hours => 1),
         expires_at = now() - make_interval(days => $2) WHERE id = $1`,
      [tokenId, daysAgo],
    );

  it('deletes tokens expired past retention that no upload names, in batches; keeps the rest', async () => {
    const owner = await tenant(pool);
    const old = [await uploadToken(pool, owner), await uploadToken(pool, owner)];
    for (const id of old) await expiredDaysAgo(id, 8);
    const recent = await uploadToken(pool, owner);
    await expiredDaysAgo(recent, 6);
    const live = await uploadToken(pool, owner);
    const named = await uploadToken(pool, owner);
    await pool.query(
      `INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name, declared_content_type,
         declared_size, declared_sha256, category, bucket, key, expires_at, upload_token_id)
       VALUES ($1::uuid, $2, 'customer:' || $1::text || ':token:' || $3::text, 'a.txt',
         'text/plain', 1, $4::text, 'documents', 'uploads', 'tokens/' || $4::text, now(), $3::uuid)`,
      [owner.customerId, owner.siteId, named, randomBytes(32).toString('hex')],
    );
    await expiredDaysAgo(named, 400);

    expect(await retention().pruneUploadTokens(7, 1000, true)).toEqual([
      { action: 'delete', target: 'upload_tokens', rows: 2 },
    ]);
    expect(await exists(old[0]!)).toBe(true);
    expect(await retention().pruneUploadTokens(7, 1, false)).toEqual([
      { action: 'delete', target: 'upload_tokens', rows: 1 },
    ]);
    expect(await retention().pruneUploadTokens(7, 1, false)).toEqual([
      { action: 'delete', target: 'upload_tokens', rows: 1 },
    ]);
    for (const id of old) expect(await exists(id)).toBe(false);
    for (const id of [recent, live, named]) expect(await exists(id)).toBe(true);
    expect(await retention().pruneUploadTokens(7, 1, false)).toEqual([
      { action: 'delete', target: 'upload_tokens', rows: 0 },
    ]);
  });
});
