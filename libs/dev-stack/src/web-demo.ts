import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, PgTenantAdmin } from '@airlock/postgres';

/** The demo web app's tenant: what a customer's backend holds (an API key and its site). */
export type WebDemoTenant = { customerId: string; siteId: string; apiKey: string };

export const webDemoFile = (home: string) => join(home, 'web-demo.json');

/**
 * The customer, site and API key of the demo web app (`apps/web`), made once
 * and kept in the stack's home (mode 0600): the same tenant across restarts,
 * a new one when the database was reset or the key revoked. The site allows
 * exactly the web app's origins, so its upload tokens work from that page only.
 */
export async function ensureWebDemoTenant(
  databaseUrl: string,
  home: string,
  origins: readonly string[],
): Promise<WebDemoTenant> {
  const pool = createPool(databaseUrl, { max: 1 });
  try {
    const tenants = new PgTenantAdmin({ pool });
    const file = webDemoFile(home);
    const known = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as WebDemoTenant)
      : undefined;
    if (known) {
      const caller = await tenants.authenticate(known.apiKey).catch(() => undefined);
      const sites = caller ? await tenants.listSites(caller.customerId) : [];
      if (caller?.customerId === known.customerId && sites.some((s) => s.id === known.siteId)) {
        await tenants.setSiteOrigins(known.siteId, origins);
        return known;
      }
    }
    const customer = await tenants.addCustomer(`web-demo-${Date.now()}`);
    const site = await tenants.addSite(customer.id, 'web-demo', origins);
    const key = await tenants.issueKey(customer.id, 'apps/web demo backend');
    const tenant = { customerId: customer.id, siteId: site.id, apiKey: key.key };
    writeFileSync(file, JSON.stringify(tenant, null, 2), { mode: 0o600 });
    return tenant;
  } finally {
    await pool.end();
  }
}
