/**
 * What a POST /v1/uploads costs in PostgreSQL round trips, counted on every
 * pg client of this process (the API runs in-process here): the common
 * request (an API key the process has seen, new content) is one statement,
 * plus now and then a lease of the key's shared rate budget (whose slices
 * double, so 20 requests take a handful).
 */
import pg from 'pg';
import { TENANCY_LISTENER_NAME } from '@airlock/postgres';
import { ApiHarness, uniqueText } from './support/api-harness.ts';

const harness = new ApiHarness();
const statements: string[] = [];
const query = pg.Client.prototype.query;

beforeAll(async () => {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    const text = typeof first === 'string' ? first : (first as { text?: string })?.text;
    // The tenancy cache's listener (LISTEN, heartbeats) is not a request's.
    const { connectionParameters } = this as unknown as {
      connectionParameters: { application_name?: string };
    };
    if (connectionParameters.application_name !== TENANCY_LISTENER_NAME) {
      statements.push(String(text));
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  await harness.start();
});
afterAll(async () => {
  pg.Client.prototype.query = query;
  await harness.stop();
});

async function statementsOf(request: () => Promise<{ status: number }>, status: number) {
  statements.length = 0;
  expect((await request()).status).toBe(status);
  return [...statements];
}

/** The shared rate limit's leases and its once-a-minute sweep of old windows. */
const isRateLimitLease = (statement: string) => statement.includes('rate_limit_leases');
const besidesLeases = (of: string[]) => of.filter((statement) => !isRateLimitLease(statement));

describe('PostgreSQL round trips of POST /v1/uploads', () => {
  it('is one statement for new content once the key and the site are known', async () => {
    const tenant = await harness.tenant();
    const upload =
      (file = uniqueText('round-trip')) =>
      () =>
        harness.request('POST', '/v1/uploads', {
          apiKey: tenant.apiKey,
          body: {
            siteId: tenant.siteId,
            fileName: 'a.txt',
            contentType: 'text/plain',
            size: file.size,
            sha256: file.sha256,
          },
        });
    // First sight of the key and the site: both looked up, then held.
    expect(besidesLeases(await statementsOf(upload(), 201))).toHaveLength(3);
    const requests: string[][] = [];
    for (let i = 0; i < 20; i++) requests.push(await statementsOf(upload(), 201));
    for (const made of requests) {
      const [statement, ...others] = besidesLeases(made);
      expect(others).toEqual([]);
      expect(statement).toMatch(/WITH live AS .*INSERT INTO uploads.*INSERT INTO upload_events/s);
    }
    // Slices of 2, 4, 8 and 16 after the first request's 1 (a new minute may add one).
    expect(requests.flat().filter(isRateLimitLease).length).toBeLessThanOrEqual(6);

    // The same content again, still pending: the one statement finds it, the expiry is moved.
    const again = uniqueText('round-trip again');
    await statementsOf(upload(again), 201);
    expect(besidesLeases(await statementsOf(upload(again), 201))).toHaveLength(2);
  });
});
