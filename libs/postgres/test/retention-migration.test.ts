import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import { createPool, migrate, MIGRATIONS_DIR, PgWebhookOutbox, type Pool } from '../src/index.ts';

// The retention migration rebuilds webhook_deliveries and object_incidents as
// partitioned tables: a database that already holds rows keeps every one of
// them, in its month's partition, with its id, and the outbox trigger and
// the identity carry on.

const RETENTION_MIGRATION = '1764003200000_retention-partitions';

let admin: Pool;
let pool: Pool;
let name: string;

beforeAll(async () => {
  admin = createPool(process.env.DATABASE_URL!, { max: 1 });
  name = `airlock_test_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  pool = createPool(url.toString(), { max: 2 });
});
afterAll(async () => {
  await pool.end();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
});

const databaseUrl = () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
};

it('moves existing deliveries and incidents into their month partitions, ids and all', async () => {
  const before = readdirSync(MIGRATIONS_DIR).filter(
    (file) => file.endsWith('.sql') && file < RETENTION_MIGRATION,
  );
  await runner({
    databaseUrl: databaseUrl(),
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: before.length,
    log: () => {},
  });

  // Rows as the old schema holds them: an upload that became ready with a
  // webhook endpoint (its delivery written by the trigger), a delivery of two
  // months ago, and two incidents of different months.
  const { rows } = await pool.query<{ id: string }>(
    `WITH c AS (INSERT INTO customers (name) VALUES ('migration') RETURNING id),
     s AS (INSERT INTO sites (customer_id, name) SELECT id, 'site' FROM c RETURNING id, customer_id),
     w AS (INSERT INTO webhook_endpoints (customer_id, url, secret)
           SELECT id, 'https://hooks.example/a', 'whsec_x' FROM c),
     u AS (INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name,
             declared_content_type, declared_size, declared_sha256, category, bucket, key, expires_at, state)
           SELECT customer_id, id, 'customer:' || customer_id, 'a.png', 'image/png', 1,
             repeat('a', 64), 'images', 'uploads', 'k/a.png', now(), 'clean' FROM s RETURNING id)
     SELECT id FROM u`,
  );
  const uploadId = rows[0]!.id;
  await pool.query(
    `INSERT INTO upload_events (upload_id, from_state, to_state, actor) VALUES ($1, 'clean', 'ready', 'old')`,
    [uploadId],
  );
  await pool.query(
    `UPDATE webhook_deliveries SET created_at = now() - interval '2 months', delivered_at = now()
     WHERE upload_id = $1`,
    [uploadId],
  );
  await pool.query(
    `INSERT INTO object_incidents (bucket, key, reason, upload_id, at) VALUES
       ('uploads', 'old', 'test', $1, now() - interval '5 months'), ('uploads', 'new', 'test', NULL, now())`,
    [uploadId],
  );
  const deliveriesBefore = await pool.query(
    `SELECT id, event_id, upload_id, customer_id, created_at, delivered_at FROM webhook_deliveries`,
  );
  const incidentsBefore = await pool.query(
    `SELECT id, bucket, key, upload_id, at FROM object_incidents ORDER BY id`,
  );
  expect(deliveriesBefore.rows).toHaveLength(1);

  expect(await migrate(databaseUrl())).toContain(RETENTION_MIGRATION);

  const deliveries = await pool.query(
    `SELECT id, event_id, upload_id, customer_id, created_at, delivered_at,
            tableoid::regclass::text AS partition FROM webhook_deliveries`,
  );
  const month = (at: Date) =>
    `${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
  expect(deliveries.rows).toEqual(
    deliveriesBefore.rows.map((row) => ({
      ...row,
      partition: `webhook_deliveries_p${month(row.created_at)}`,
    })),
  );
  const incidents = await pool.query(
    `SELECT id, bucket, key, upload_id, at, tableoid::regclass::text AS partition
     FROM object_incidents ORDER BY id`,
  );
  expect(incidents.rows).toEqual(
    incidentsBefore.rows.map((row) => ({
      ...row,
      partition: `object_incidents_p${month(row.at)}`,
    })),
  );

  // The outbox trigger writes to the new table, the notifier reads through it,
  // and a new incident gets the next id.
  await pool.query(
    `INSERT INTO upload_events (upload_id, from_state, to_state, actor) VALUES ($1, 'ready', 'quarantined', 'new')`,
    [uploadId],
  );
  const outbox = new PgWebhookOutbox({ pool });
  expect((await outbox.forUpload(uploadId)).map((d) => d.type)).toEqual([
    'upload.ready',
    'upload.quarantined',
  ]);
  const { rows: next } = await pool.query<{ id: string }>(
    `INSERT INTO object_incidents (bucket, key, reason) VALUES ('uploads', 'next', 'test') RETURNING id`,
  );
  expect(Number(next[0]!.id)).toBe(Math.max(...incidentsBefore.rows.map((r) => Number(r.id))) + 1);
});
