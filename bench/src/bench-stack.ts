import { randomBytes } from 'node:crypto';
import { up, type StackEnv } from '@airlock/dev-stack';
import { StackClients } from '@airlock/testing';

export type BenchTenant = {
  readonly customerId: string;
  readonly siteId: string;
  readonly apiKeys: readonly string[];
};

/** The running local stack and the clients every stage shares. */
export type BenchStack = {
  readonly env: StackEnv;
  readonly clients: StackClients;
  readonly runId: string;
  /** A customer, site and keys of this run's own, so runs never see tests' uploads or each other's. */
  tenant(label: string, keys?: number): Promise<BenchTenant>;
  close(): Promise<void>;
};

export async function openStack(log: (line: string) => void): Promise<BenchStack> {
  const env = await up((line) => log(`stack: ${line}`));
  // Adopted whole, as the integration tests' global setup does: the stack's
  // clients read it, and every child process inherits it.
  Object.assign(process.env, env);
  const clients = new StackClients();
  const runId = `${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  return {
    env,
    clients,
    runId,
    async tenant(label, keys = 1) {
      const customer = await clients.tenants.addCustomer(`bench-${runId}-${label}`);
      const site = await clients.tenants.addSite(customer.id, label);
      const apiKeys: string[] = [];
      for (let i = 0; i < keys; i++) {
        apiKeys.push((await clients.tenants.issueKey(customer.id, `bench ${runId}`)).key);
      }
      return { customerId: customer.id, siteId: site.id, apiKeys };
    },
    close: () => clients.close(),
  };
}
