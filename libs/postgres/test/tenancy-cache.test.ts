import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createPool,
  PgSiteDirectory,
  PgTenantAdmin,
  TENANCY_LISTENER_NAME,
  TenancyCache,
  type Pool,
} from '../src/index.ts';
import { useTestDatabase } from './test-database.ts';

// The upload-api's in-process keys and sites, against PostgreSQL's LISTEN/NOTIFY:
// a change is seen at once, and nothing is answered from memory while the
// listening connection is down.

let pool: Pool;
let url: string;
let database: string;
useTestDatabase((created, createdUrl) => {
  pool = created;
  url = createdUrl;
  database = new URL(createdUrl).pathname.slice(1);
});

/** On the stack's own database: a database cannot refuse connections to itself. */
const cluster = createPool(process.env.DATABASE_URL!, { max: 1 });
const allowConnections = (allow: boolean) =>
  cluster.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);

const caches: TenancyCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
  await allowConnections(true);
});
afterAll(() => cluster.end());

async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/**
 * A TCP proxy to the test database that can go silent: once frozen, nothing
 * passes either way and nothing is closed (a connection that died silently).
 */
async function freezableProxy(to: string) {
  const target = new URL(to);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const [from, onto] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => frozen || onto.write(chunk));
      from.on('error', () => undefined);
      from.on('close', () => onto.destroy());
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const proxied = new URL(to);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    freeze: () => (frozen = true),
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A started cache over the real lookups, counting the ones that reached the database. */
async function listeningCache(listenUrl = url) {
  const admin = new PgTenantAdmin({ pool });
  const sites = new PgSiteDirectory({ pool });
  const lookups = { keys: 0, sites: 0 };
  const cache = new TenancyCache(listenUrl, {
    authenticate: (key) => {
      lookups.keys++;
      return admin.authenticate(key);
    },
    findSite: (siteId) => {
      lookups.sites++;
      return sites.findSite(siteId);
    },
  }).start();
  caches.push(cache);
  await waitFor('the cache to listen', () => cache.listening);
  return { cache, lookups, admin };
}

async function newTenant(admin: PgTenantAdmin) {
  const customer = await admin.addCustomer('tenancy-cache');
  const site = await admin.addSite(customer.id, 'site');
  const key = await admin.issueKey(customer.id);
  return { customer, site, key };
}

describe('TenancyCache', () => {
  it('answers a key and a site from memory once found', async () => {
    const { cache, lookups, admin } = await listeningCache();
    const { customer, site, key } = await newTenant(admin);
    const caller = { apiKeyId: key.id, customerId: customer.id };
    await expect(cache.authenticate(key.key)).resolves.toEqual(caller);
    await expect(cache.authenticate(key.key)).resolves.toEqual(caller);
    await expect(cache.findSite(site.id)).resolves.toMatchObject({ customerId: customer.id });
    await expect(cache.findSite(site.id)).resolves.toMatchObject({ customerId: customer.id });
    expect(lookups).toEqual({ keys: 1, sites: 1 });
  });

  it('never holds what it did not find, nor a key that only shares a prefix', async () => {
    const { cache, lookups, admin } = await listeningCache();
    const { key } = await newTenant(admin);
    await cache.authenticate(key.key);
    const forged = `${key.key.slice(0, -4)}AAAA`;
    await expect(cache.authenticate(forged)).resolves.toBeUndefined();
    await expect(cache.authenticate(forged)).resolves.toBeUndefined();
    await expect(cache.findSite('00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
    await expect(cache.findSite('00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
    expect(lookups).toEqual({ keys: 3, sites: 2 });
  });

  it('refuses a revoked key once the notice arrives, well within a second', async () => {
    const [first, second] = [await listeningCache(), await listeningCache()];
    const { key } = await newTenant(first.admin);
    await expect(first.cache.authenticate(key.key)).resolves.toBeDefined();
    await expect(second.cache.authenticate(key.key)).resolves.toBeDefined();
    await first.admin.revokeKey(key.id);
    await sleep(1_000);
    await expect(first.cache.authenticate(key.key)).resolves.toBeUndefined();
    await expect(second.cache.authenticate(key.key)).resolves.toBeUndefined();
  });

  it('drops a site when sites change', async () => {
    const { cache, lookups, admin } = await listeningCache();
    const { site } = await newTenant(admin);
    await cache.findSite(site.id);
    await admin.setSiteOrigins(site.id, ['https://shop.example']);
    await waitFor('the site to be looked up again', async () => {
      await cache.findSite(site.id);
      return lookups.sites > 1;
    });
  });

  it('goes to the database while not listening, and starts empty once listening again', async () => {
    const { cache, lookups, admin } = await listeningCache();
    const { key } = await newTenant(admin);
    await cache.authenticate(key.key);
    // The listener cannot come back until connections are allowed again.
    await allowConnections(false);
    await cluster.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = $1 AND datname = $2`,
      [TENANCY_LISTENER_NAME, database],
    );
    await waitFor('the cache to stop listening', () => !cache.listening);
    // Revoked while nobody listens: the notice is lost, the lookup is not.
    await admin.revokeKey(key.id);
    await expect(cache.authenticate(key.key)).resolves.toBeUndefined();
    const second = await newTenant(admin);
    const before = lookups.keys;
    await cache.authenticate(second.key.key);
    await cache.authenticate(second.key.key);
    expect(lookups.keys - before).toBe(2);

    await allowConnections(true);
    await waitFor('the cache to listen again', () => cache.listening);
    await cache.authenticate(second.key.key);
    await cache.authenticate(second.key.key);
    expect(lookups.keys - before).toBe(3);
    await expect(cache.authenticate(key.key)).resolves.toBeUndefined();
  });

  it('stops answering from memory within a second when its connection goes silent', async () => {
    const proxy = await freezableProxy(url);
    try {
      const { cache, lookups, admin } = await listeningCache(proxy.url);
      const { key } = await newTenant(admin);
      await cache.authenticate(key.key);
      await cache.authenticate(key.key);
      expect(lookups.keys).toBe(1);
      proxy.freeze();
      // No error, no close: only the unanswered heartbeat tells (50 ms for timers' slack).
      await sleep(1_050);
      expect(cache.listening).toBe(false);
      await admin.revokeKey(key.id);
      await expect(cache.authenticate(key.key)).resolves.toBeUndefined();
      expect(lookups.keys).toBe(2);
    } finally {
      proxy.close();
    }
  });
});
