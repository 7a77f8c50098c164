/**
 * `node bench/src/retention/size.main.ts [--uploads N]`: table and index size
 * per million uploads (docs/retention.md). Makes a database of its own on the
 * stack's PostgreSQL (or DATABASE_URL's server), migrates it, writes N uploads
 * in chunks the way the pipeline does (shapes.sql.ts), vacuuming after each
 * chunk as autovacuum would, measures every table's heap (with TOAST) and
 * indexes over all its partitions, scales to a million and drops the database.
 * Not part of CI: 100,000 uploads take a few minutes.
 */
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { localStackEnv } from '@airlock/config';
import { createPool, migrate } from '@airlock/postgres';
import {
  ANOMALY_STATEMENTS,
  FATES_STATEMENTS,
  INSERT_PENDING,
  LIFECYCLE_STATEMENTS,
  SETUP_STATEMENTS,
} from './shapes.sql.ts';

const options = new Command('retention-size')
  .description('table and index size per million uploads')
  .option('--uploads <n>', 'uploads to write', (v) => Number.parseInt(v, 10), 100_000)
  .option('--chunk <n>', 'uploads per chunk', (v) => Number.parseInt(v, 10), 5_000)
  .option('--ready <share>', 'share of uploads that become ready', Number.parseFloat, 0.9)
  .option(
    '--expired <share>',
    'share that expire unsent (the rest are rejected)',
    Number.parseFloat,
    0.08,
  )
  .option(
    '--anomalies <share>',
    'incidents and message failures per upload',
    Number.parseFloat,
    0.001,
  )
  .option('--prune', 'then age the terminal uploads past retention and time their prune')
  .option('--json', 'machine-readable output')
  .parse()
  .opts<{
    uploads: number;
    chunk: number;
    ready: number;
    expired: number;
    anomalies: number;
    prune?: boolean;
    json?: boolean;
  }>();

const TABLES = [
  'uploads',
  'upload_events',
  'webhook_deliveries',
  'upload_scans',
  'upload_renditions',
  'object_incidents',
  'message_failures',
] as const;

type Size = { table: string; rows: number; heapBytes: number; indexBytes: number };

const PRUNE_BATCH = 1000;

/**
 * Moves every terminal upload's last move 100 days back, then removes them
 * the way `airlock db prune` does, a batch per transaction: the batches' count
 * and median time.
 */
async function timePrune(): Promise<{ uploads: number; batches: number; msPerBatch: number }> {
  await pool.query(
    `UPDATE uploads SET updated_at = now() - interval '100 days'
     WHERE state IN ('rejected', 'quarantined', 'expired')`,
  );
  await pool.query('VACUUM ANALYZE');
  const times: number[] = [];
  let uploads = 0;
  for (;;) {
    const started = performance.now();
    const { rows } = await pool.query<{ row_count: string }>(
      `SELECT row_count FROM airlock_prune_uploads(90, $1, false) WHERE target = 'uploads'`,
      [PRUNE_BATCH],
    );
    times.push(performance.now() - started);
    const removed = Number(rows[0]!.row_count);
    uploads += removed;
    if (removed < PRUNE_BATCH) break;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    uploads,
    batches: times.length,
    msPerBatch: Math.round(sorted[Math.floor(sorted.length / 2)]!),
  };
}

const serverUrl = process.env.DATABASE_URL ?? localStackEnv(process.env)?.DATABASE_URL;
if (!serverUrl) throw new Error('Set DATABASE_URL, or start the local stack with `airlock dev up`');
const name = `airlock_size_${randomBytes(4).toString('hex')}`;
const admin = createPool(serverUrl, { max: 1 });
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const pool = createPool(url.toString(), { max: 1 });
const log = (line: string) => process.stderr.write(`${line}\n`);

try {
  await migrate(url.toString());
  for (const sql of SETUP_STATEMENTS) await pool.query(sql);
  const started = Date.now();
  for (let first = 0; first < options.uploads; first += options.chunk) {
    const size = Math.min(options.chunk, options.uploads - first);
    await pool.query(INSERT_PENDING, [first, size]);
    await pool.query(FATES_STATEMENTS[0]!);
    await pool.query(FATES_STATEMENTS[1]!, [options.ready, options.expired]);
    for (const sql of LIFECYCLE_STATEMENTS) await pool.query(sql);
    await pool.query('VACUUM uploads, upload_events, webhook_deliveries');
    log(
      `${first + size}/${options.uploads} uploads (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
  const anomalies = Math.round(options.uploads * options.anomalies);
  for (const sql of ANOMALY_STATEMENTS) await pool.query(sql, [anomalies]);
  await pool.query('VACUUM ANALYZE');

  const sizes: Size[] = [];
  for (const table of TABLES) {
    const { rows } = await pool.query<{ heap: string; indexes: string; rows: string }>(
      `SELECT sum(pg_table_size(relid)) AS heap, sum(pg_indexes_size(relid)) AS indexes,
              (SELECT count(*) FROM ${table}) AS rows
       FROM (SELECT relid FROM pg_partition_tree($1) WHERE isleaf
             UNION SELECT $1::regclass WHERE NOT EXISTS (
               SELECT 1 FROM pg_partitioned_table WHERE partrelid = $1::regclass)) AS leaves`,
      [table],
    );
    sizes.push({
      table,
      rows: Number(rows[0]!.rows),
      heapBytes: Number(rows[0]!.heap),
      indexBytes: Number(rows[0]!.indexes),
    });
  }
  const prune = options.prune ? await timePrune() : undefined;
  const perMillion = 1_000_000 / options.uploads;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const result = {
    uploads: options.uploads,
    mix: { ready: options.ready, expired: options.expired, anomalies: options.anomalies },
    server: (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version,
    tables: sizes.map((s) => ({
      ...s,
      bytesPerUpload: Math.round((s.heapBytes + s.indexBytes) / options.uploads),
      perMillion: {
        rows: Math.round(s.rows * perMillion),
        heapMiB: Number(mib(s.heapBytes * perMillion)),
        indexMiB: Number(mib(s.indexBytes * perMillion)),
      },
    })),
    prune,
  };
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const total = sizes.reduce((sum, s) => sum + s.heapBytes + s.indexBytes, 0);
    process.stdout.write(
      [
        `${options.uploads} uploads (ready ${options.ready}, expired ${options.expired}), PostgreSQL ${result.server}; per million uploads:`,
        '| table | rows | table MiB | indexes MiB | bytes per upload |',
        '| --- | ---: | ---: | ---: | ---: |',
        ...result.tables.map(
          (t) =>
            `| ${t.table} | ${t.perMillion.rows.toLocaleString('en')} | ${t.perMillion.heapMiB} | ${t.perMillion.indexMiB} | ${t.bytesPerUpload} |`,
        ),
        `| total | | ${mib(sizes.reduce((s, t) => s + t.heapBytes, 0) * perMillion)} | ${mib(sizes.reduce((s, t) => s + t.indexBytes, 0) * perMillion)} | ${Math.round(total / options.uploads)} |`,
        ...(prune
          ? [
              `prune: ${prune.uploads} terminal uploads in ${prune.batches} batches of ${PRUNE_BATCH}, ` +
                `${prune.msPerBatch} ms a batch (median)`,
            ]
          : []),
        '',
      ].join('\n'),
    );
  }
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
