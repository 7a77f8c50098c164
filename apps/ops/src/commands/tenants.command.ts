import { Command } from 'commander';
import { PgTenantAdmin } from '@airlock/postgres';
import { withPool } from '../database.ts';
import { createOutput } from '../output.ts';

type JsonOption = { json?: boolean };

const admin = <T>(work: (tenants: PgTenantAdmin) => Promise<T>) =>
  withPool((pool) => work(new PgTenantAdmin({ pool })));

export function customersCommand(): Command {
  const customers = new Command('customers').description('customers (tenants)');
  customers
    .command('add')
    .requiredOption('--name <name>', 'display name')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption & { name: string }) => {
      const customer = await admin((t) => t.addCustomer(options.name));
      createOutput(Boolean(options.json)).result(
        customer,
        () => `customer ${customer.id} (${customer.name})`,
      );
    });
  return customers;
}

export function sitesCommand(): Command {
  const sites = new Command('sites').description("a customer's sites");
  sites
    .command('add')
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--name <name>', 'site name, unique per customer')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption & { customer: string; name: string }) => {
      const site = await admin((t) => t.addSite(options.customer, options.name));
      createOutput(Boolean(options.json)).result(site, () => `site ${site.id} (${site.name})`);
    });
  return sites;
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('API keys (stored hashed; shown once)');
  keys
    .command('issue')
    .requiredOption('--customer <id>', 'customer id')
    .option('--label <label>', 'what the key is for')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption & { customer: string; label?: string }) => {
      const issued = await admin((t) => t.issueKey(options.customer, options.label));
      createOutput(Boolean(options.json)).result(issued, () => [
        `key id ${issued.id} (prefix ${issued.prefix})`,
        issued.key,
        'This is the only time the key is shown: store it now.',
      ]);
    });
  keys
    .command('revoke')
    .argument('<key>', 'key id or prefix')
    .option('--json', 'machine-readable output')
    .action(async (key: string, options: JsonOption) => {
      const revoked = await admin((t) => t.revokeKey(key));
      if (!revoked) process.exitCode = 1;
      createOutput(Boolean(options.json)).result({ revoked }, () =>
        revoked ? `revoked ${key}` : `no live key matches ${key}`,
      );
    });
  return keys;
}
