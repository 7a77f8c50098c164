import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebDemoTenant } from '@airlock/dev-stack';
import { createPool, PgTenantAdmin } from '@airlock/postgres';
import { airlockStdout } from '@airlock/testing';
import { demoTenant, webUrl } from './support/demo-page.ts';

const mint = (origin?: string) =>
  fetch(`${webUrl()}/token`, { method: 'POST', headers: origin ? { origin } : {} });

describe('the demo web app on the local stack', () => {
  it('is its own origin, printed by dev up, dev status and dev status --env', async () => {
    const web = new URL(webUrl());
    expect(web.origin).not.toBe(new URL(process.env.AIRLOCK_API_URL!).origin);
    expect(await airlockStdout('dev', 'status', '--env')).toContain(
      `export AIRLOCK_WEB_URL='${web.origin}'`,
    );
    expect(await airlockStdout('dev', 'status')).toMatch(
      new RegExp(`demo page\\s+${web.origin}\\n`),
    );
    expect(await airlockStdout('dev', 'up')).toContain(
      `Demo page (upload from a browser): ${web.origin}`,
    );
  });

  it('serves the page with a strict Content-Security-Policy and its bundles, the hash worker included', async () => {
    const page = await fetch(webUrl());
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain(`connect-src 'self' ${process.env.AIRLOCK_API_URL}`);
    const html = await page.text();
    expect(html).toContain('<input id="file" type="file" multiple');
    for (const script of ['/main.js', '/hash-worker.js']) {
      const response = await fetch(`${webUrl()}${script}`);
      expect({
        script,
        status: response.status,
        type: response.headers.get('content-type'),
      }).toEqual({ script, status: 200, type: 'text/javascript; charset=utf-8' });
    }
    expect((await fetch(`${webUrl()}/../../etc/passwd`)).status).toBe(404);
  });

  it("mints upload tokens only for its own pages' origin, scoped to the demo site", async () => {
    for (const origin of [undefined, 'http://evil.example', 'null']) {
      const refused = await mint(origin);
      expect({ origin, status: refused.status }).toEqual({ origin, status: 403 });
    }
    const origin = new URL(webUrl()).origin;
    const response = await mint(origin);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const grant = (await response.json()) as Record<string, unknown>;
    expect(grant).toMatchObject({
      token: expect.stringMatching(/^ut_/),
      apiUrl: process.env.AIRLOCK_API_URL,
      siteId: demoTenant().siteId,
      maxSize: 100 * 1024 * 1024,
    });
    // The API key never reaches the page.
    expect(JSON.stringify(grant)).not.toContain(demoTenant().apiKey);

    // The token answers CORS for the page's origin, and only there.
    const preflight = (from: string) =>
      fetch(`${process.env.AIRLOCK_API_URL}/v1/uploads`, {
        method: 'OPTIONS',
        headers: {
          origin: from,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    expect((await preflight(origin)).headers.get('access-control-allow-origin')).toBe(origin);
    expect(
      (await preflight('http://127.0.0.1:1')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });
});

describe("the demo tenant dev up makes for the web app's backend", () => {
  const home = mkdtempSync(join(tmpdir(), 'airlock-web-demo-'));
  const origins = ['http://127.0.0.1:4999', 'http://localhost:4999'];
  const pool = createPool(process.env.DATABASE_URL!, { max: 1 });
  const tenants = new PgTenantAdmin({ pool });
  afterAll(async () => {
    await pool.end();
    rmSync(home, { recursive: true, force: true });
  });

  it('is kept across restarts (its site allowing the current origins), and made anew once its key is revoked', async () => {
    const first = await ensureWebDemoTenant(process.env.DATABASE_URL!, home, origins);
    expect(statSync(join(home, 'web-demo.json')).mode & 0o777).toBe(0o600);
    const moved = ['http://127.0.0.1:5001'];
    expect(await ensureWebDemoTenant(process.env.DATABASE_URL!, home, moved)).toEqual(first);
    const [site] = await tenants.listSites(first.customerId);
    expect(site).toMatchObject({ id: first.siteId, allowedOrigins: moved });

    expect(await tenants.revokeKey(first.apiKey.split('_')[1]!)).toBe(true);
    const next = await ensureWebDemoTenant(process.env.DATABASE_URL!, home, origins);
    expect(next.customerId).not.toBe(first.customerId);
    expect(await tenants.authenticate(next.apiKey)).toMatchObject({ customerId: next.customerId });
  });
});
