import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '@airlock/postgres';
import { airlock } from './support/run-cli.ts';

// `airlock db prune` against the stack's database, as the ops login the
// scheduled task runs as: it reaches the retention functions and nothing else.

const owner: Pool = createPool(process.env.DATABASE_URL!, { max: 2 });
afterAll(() => owner.end());

const OPS_URL = () => process.env.AIRLOCK_DATABASE_URL_OPS!;

type Report = {
  dryRun: boolean;
  policy: Record<string, number>;
  actions: { action: string; target: string; rows: number }[];
};

/** `airlock db prune … --json` as the ops login. */
async function pruneAsOps(...args: string[]): Promise<Report> {
  const run = await airlock('db', 'prune', ...args, '--json');
  if (run.code !== 0) throw new Error(`airlock db prune exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

/** An upload in `state`, with a pending → `state` audit, last moved `daysAgo`. */
async function upload(state: string, daysAgo: number): Promise<string> {
  const sha = randomBytes(32).toString('hex');
  const { rows } = await owner.query<{ id: string }>(
    `WITH c AS (INSERT INTO customers (name) VALUES ('prune test') RETURNING id),
     s AS (INSERT INTO sites (customer_id, name) SELECT id, 'site' FROM c RETURNING id, customer_id),
     u AS (INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name,
             declared_content_type, declared_size, declared_sha256, category, bucket, key,
             expires_at, state, updated_at)
           SELECT customer_id, id, 'customer:' || customer_id, 'a.txt', 'text/plain', 1, $1::text,
             'documents', 'uploads', 'prune-test/' || $1::text, now(), $2::upload_state,
             now() - make_interval(days => $3) FROM s RETURNING id),
     e AS (INSERT INTO upload_events (upload_id, from_state, to_state, actor)
           SELECT id, NULL::upload_state, 'pending'::upload_state, 'test' FROM u UNION ALL
           SELECT id, 'pending'::upload_state, $2::upload_state, 'test' FROM u)
     SELECT id FROM u`,
    [sha, state, daysAgo],
  );
  return rows[0]!.id;
}

const exists = async (uploadId: string) =>
  (await owner.query(`SELECT 1 FROM uploads WHERE id = $1`, [uploadId])).rowCount === 1;
const events = async (uploadId: string) =>
  (await owner.query(`SELECT 1 FROM upload_events WHERE upload_id = $1`, [uploadId])).rowCount;

describe('airlock db prune', () => {
  let databaseUrl: string | undefined;
  beforeAll(() => {
    databaseUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = OPS_URL();
  });
  afterAll(() => {
    process.env.DATABASE_URL = databaseUrl;
  });

  it('says what it would remove in a dry run, then removes old terminal uploads and an old month, keeping live ones', async () => {
    const old = await upload('expired', 120);
    const live = await upload('ready', 400);
    await owner.query(
      `SELECT airlock_month_partition('object_incidents', now() - interval '14 months', false)`,
    );
    const oldMonth = (
      await owner.query<{ name: string }>(
        `INSERT INTO object_incidents (bucket, key, reason, at)
         VALUES ('uploads', 'prune-test', 'test', now() - interval '14 months')
         RETURNING tableoid::regclass::text AS name`,
      )
    ).rows[0]!.name;

    const dryRun = await pruneAsOps('--dry-run');
    expect(dryRun.dryRun).toBe(true);
    expect(dryRun.policy).toMatchObject({ terminalUploadsDays: 90, objectIncidentsDays: 365 });
    expect(dryRun.actions).toContainEqual({ action: 'drop_partition', target: oldMonth, rows: 1 });
    const wouldDelete = dryRun.actions.find((a) => a.target === 'uploads');
    expect(wouldDelete!.rows).toBeGreaterThanOrEqual(1);
    expect(await exists(old)).toBe(true);

    const report = await pruneAsOps('--batch', '1');
    expect(report.actions).toContainEqual({ action: 'drop_partition', target: oldMonth, rows: 1 });
    expect(report.actions.find((a) => a.target === 'uploads')!.rows).toBe(wouldDelete!.rows);
    expect(await exists(old)).toBe(false);
    expect(await events(old)).toBe(0);
    expect(await exists(live)).toBe(true);
    expect(await events(live)).toBe(2);
    const partitions = await owner.query(`SELECT to_regclass($1) AS found`, [oldMonth]);
    expect(partitions.rows[0].found).toBeNull();
  });

  it('prints one line per change for people', async () => {
    await upload('rejected', 95);
    const run = await airlock('db', 'prune');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^deleted 1 row from uploads$/m);
    expect(run.stdout).toMatch(/^done$/m);
  });

  it('gives the ops login the retention functions only, not the partitions themselves', async () => {
    const ops = createPool(OPS_URL(), { max: 1 });
    try {
      for (const sql of [
        `SELECT airlock_month_partition('object_incidents', now(), false)`,
        `DROP TABLE webhook_deliveries_default`,
        `DELETE FROM uploads`,
        `DELETE FROM webhook_deliveries`,
      ])
        await expect(ops.query(sql)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await ops.end();
    }
  });
});
