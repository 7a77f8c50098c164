import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createPool, PgRateLimitLeases } from '@airlock/postgres';
import { createLogger } from '@airlock/runtime';
import { observedSharedBudget, perKeyRateLimit } from '../src/http/rate-limit.middleware.ts';
import { maxLeaseFor } from '../src/http/shared-budget.store.ts';
import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

// Issue 18, item 2: the per-key limit holds across API processes. Three
// harnesses, each its own API process as far as the limit goes (own app, own
// pool, own memory), share one key's budget through rate_limit_leases.
const LIMIT = 60;
const WINDOW_MS = 60_000;
const apis = [1, 2, 3].map(() => new ApiHarness({ RATE_LIMIT_PER_MINUTE: String(LIMIT) }));
let busy: Tenant;
let calm: Tenant;

beforeAll(async () => {
  await Promise.all(apis.map((api) => api.start()));
  [busy, calm] = await Promise.all([apis[0]!.tenant(), apis[0]!.tenant()]);
});
afterAll(() => Promise.all(apis.map((api) => api.stop())));

const msLeftInWindow = () => WINDOW_MS - (Date.now() % WINDOW_MS);

/** `count` requests for `tenant`, round robin over the processes, 12 in flight. */
async function spread(tenant: Tenant, count: number) {
  const answers: Awaited<ReturnType<ApiHarness['request']>>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const api = apis[next++ % apis.length]!;
      answers.push(await api.request('GET', '/v1/webhook', { apiKey: tenant.apiKey }));
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  return answers;
}

const leasedInDatabase = async (tenant: Tenant) => {
  const { rows } = await apis[0]!.pool.query<{ leased: number }>(
    `SELECT l.leased FROM rate_limit_leases l JOIN api_keys k ON l.key = k.id::text
     WHERE k.customer_id = $1 AND l.window_start = to_timestamp($2 / 1000.0)`,
    [tenant.customerId, Date.now() - (Date.now() % WINDOW_MS)],
  );
  return rows.map((row) => row.leased);
};

describe('the per-key rate limit shared by API processes', () => {
  it('admits exactly the limit across three processes in a window, refuses the rest with 429 and Retry-After; another key keeps its own budget', async () => {
    // The burst takes a second or two: start it well inside one window.
    if (msLeftInWindow() < 25_000) await sleep(msLeftInWindow() + 200);
    const answers = await spread(busy, 3 * LIMIT);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(answers.length - refused.length).toBe(LIMIT);
    const secondsLeft = Math.ceil(msLeftInWindow() / 1000);
    for (const answer of refused) {
      expect(answer.body.error.code).toBe('rate_limited');
      const retryAfter = Number(answer.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(secondsLeft + 1);
      expect(answer.headers.get('ratelimit')).toMatch(/^"\d+-in-1min"; r=0; t=\d+$/);
    }
    expectMatchesOpenApi('GET', '/v1/webhook', 429, refused[0]!.body);
    expect(await leasedInDatabase(busy)).toEqual([LIMIT]);

    // Another key: nothing refused as long as it stays under the limit less
    // what the other processes may hold unspent, (N − 1) × the largest lease.
    const belowTheBound = LIMIT - (apis.length - 1) * maxLeaseFor(LIMIT);
    const other = await spread(calm, belowTheBound);
    expect(other.map((answer) => answer.status)).toEqual(other.map(() => 404));
  }, 60_000);

  it('gives the key its whole budget again in the next window, on every process', async () => {
    await sleep(msLeftInWindow() + 200);
    const answers = await spread(busy, 3 * LIMIT);
    expect(answers.filter((answer) => answer.status !== 429)).toHaveLength(LIMIT);
    expect(await leasedInDatabase(busy)).toEqual([LIMIT]);
  }, 90_000);
});

describe('the shared limit with PostgreSQL out of reach', () => {
  // Nothing listens on port 1: every lease fails as it would in an outage.
  const unreachable = createPool('postgres://airlock@127.0.0.1:1/airlock', { max: 1 });
  afterAll(() => unreachable.end());

  /** Just the limiter in front of a 200, for one caller: an API process as far as the limit goes. */
  function limitedProcess(registry: Registry) {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.caller = { apiKeyId: 'key-during-outage', customerId: 'customer' };
      next();
    });
    app.use(
      perKeyRateLimit(
        3,
        observedSharedBudget(
          new PgRateLimitLeases({ pool: unreachable }),
          createLogger({ level: 'silent', service: 'test' }),
          registry,
        ),
      ),
    );
    app.get('/', (_req, res) => res.json({ ok: true }));
    return app;
  }

  it('fails open to a per-process budget: each process admits the limit, then 429, never unlimited', async () => {
    const registries = [new Registry(), new Registry()];
    const statuses = [];
    for (const registry of registries) {
      const app = limitedProcess(registry);
      for (let i = 0; i < 5; i++) statuses.push((await request(app).get('/')).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 200, 200, 200, 429, 429]);
    for (const registry of registries) {
      const leases = await registry.getSingleMetric('airlock_rate_limit_leases_total')!.get();
      expect(leases.values).toEqual([{ labels: { outcome: 'failed' }, value: 1 }]);
    }
  });
});
