#!/usr/bin/env node
import { Command } from 'commander';
import { localStackEnv } from '@airlock/config';
import { dbCommand } from './commands/db.command.ts';
import { demoCommand } from './commands/demo.command.ts';
import { devCommand } from './commands/dev.command.ts';
import { dlqCommand } from './commands/dlq.command.ts';
import { rescanCommand } from './commands/rescan.command.ts';
import { sweepCommand } from './commands/sweep.command.ts';
import { topCommand } from './commands/top.command.ts';
import { customersCommand, keysCommand, sitesCommand } from './commands/tenants.command.ts';
import { uploadsCommand } from './commands/uploads.command.ts';

// With the local stack up, its environment fills in whatever the shell does not
// set (read from its state file: the dev stack itself is loaded by `dev` and `demo` only).
Object.assign(process.env, { ...localStackEnv(process.env), ...process.env });

const program = new Command('airlock')
  .description("Airlock operators' CLI")
  .addCommand(devCommand())
  .addCommand(demoCommand())
  .addCommand(dbCommand())
  .addCommand(rescanCommand())
  .addCommand(sweepCommand())
  .addCommand(customersCommand())
  .addCommand(sitesCommand())
  .addCommand(keysCommand())
  .addCommand(dlqCommand())
  .addCommand(uploadsCommand())
  .addCommand(topCommand());

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`airlock: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
