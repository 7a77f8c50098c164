import { Command } from 'commander';
import { loadOpsConfig } from '@airlock/config';
import { migrate } from '@airlock/postgres';
import { withPool } from '../clients.ts';
import { describePrune, prune } from '../operations/prune.ts';
import { createOutput } from '../output.ts';
import { parseCount } from './options.ts';

export function dbCommand(): Command {
  const db = new Command('db').description('the PostgreSQL schema');
  db.command('migrate')
    .description('apply every pending forward migration (safe to run on every deploy)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const applied = await migrate(loadOpsConfig().databaseUrl());
      createOutput(Boolean(options.json)).result({ applied }, () =>
        applied.length ? applied.map((name) => `applied ${name}`) : 'schema is up to date',
      );
    });
  db.command('prune')
    .description(
      'make the month partitions ahead, then remove what the retention policy lets go ' +
        '(RETENTION_* settings, docs/retention.md)',
    )
    .option('--batch <n>', 'terminal uploads removed per transaction', parseCount(1), 1000)
    .option('--dry-run', 'say what would be created and removed, and change nothing')
    .option('--json', 'machine-readable output')
    .action(async (options: { batch: number; dryRun?: boolean; json?: boolean }) => {
      const config = loadOpsConfig();
      const report = await withPool(config, (pool) =>
        prune(pool, config.retention, {
          dryRun: Boolean(options.dryRun),
          batchSize: options.batch,
        }),
      );
      createOutput(Boolean(options.json)).result(report, () => describePrune(report));
    });
  return db;
}
