import { Command } from 'commander';
import { loadOpsConfig } from '@airlock/config';
import { normalizeOrigin } from '@airlock/core';
import { PgTenantAdmin, type SiteRow } from '@airlock/postgres';
import { withPool } from '../clients.ts';
import { createOutput } from '../output.ts';
import { isUuid } from '../uuid.ts';

type JsonOption = { json?: boolean };

const admin = <T>(work: (tenants: PgTenantAdmin) => Promise<T>) =>
  withPool(loadOpsConfig(), (pool) => work(new PgTenantAdmin({ pool })));

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

/** `--origin` may be given again and again; each must be a bare browser origin. */
const collectOrigin = (value: string, previous: string[] = []): string[] => {
  const origin = normalizeOrigin(value);
  if (!origin) {
    throw new Error(
      `--origin ${value} is not a browser origin: http(s)://host[:port], no path, query or credentials`,
    );
  }
  return [...previous, origin];
};

const describeSite = (site: SiteRow) =>
  `site ${site.id} (${site.name}) origins: ${site.allowedOrigins.length ? site.allowedOrigins.join(' ') : 'none'}`;

export function sitesCommand(): Command {
  const sites = new Command('sites').description("a customer's sites");
  sites
    .command('add')
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--name <name>', 'site name, unique per customer')
    .option(
      '--origin <origin>',
      "a browser origin whose pages may upload with this site's upload tokens (CORS); repeatable",
      collectOrigin,
    )
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption & { customer: string; name: string; origin?: string[] }) => {
      const site = await admin((t) => t.addSite(options.customer, options.name, options.origin));
      createOutput(Boolean(options.json)).result(site, () => describeSite(site));
    });
  sites
    .command('origins')
    .description("set a site's allowed browser origins (replaces them; none: --clear)")
    .argument('<site>', 'site id')
    .option('--origin <origin>', 'an allowed browser origin; repeatable', collectOrigin)
    .option('--clear', 'allow no browser origin')
    .option('--json', 'machine-readable output')
    .action(
      async (siteId: string, options: JsonOption & { origin?: string[]; clear?: boolean }) => {
        if (!options.origin && !options.clear)
          throw new Error('give --origin (repeatable) or --clear');
        if (options.origin && options.clear)
          throw new Error('--origin and --clear exclude each other');
        if (!isUuid(siteId)) throw new Error(`no site ${siteId}`);
        const site = await admin((t) => t.setSiteOrigins(siteId, options.origin ?? []));
        if (!site) throw new Error(`no site ${siteId}`);
        createOutput(Boolean(options.json)).result(site, () => describeSite(site));
      },
    );
  sites
    .command('list')
    .requiredOption('--customer <id>', 'customer id')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption & { customer: string }) => {
      if (!isUuid(options.customer)) throw new Error(`no customer ${options.customer}`);
      const rows = await admin((t) => t.listSites(options.customer));
      createOutput(Boolean(options.json)).result(rows, () =>
        rows.length ? rows.map(describeSite) : 'no sites',
      );
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
