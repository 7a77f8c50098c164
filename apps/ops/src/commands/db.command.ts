import { Command } from 'commander';
import { loadOpsConfig } from '@airlock/config';
import { migrate } from '@airlock/postgres';
import { createOutput } from '../output.ts';

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
  return db;
}
