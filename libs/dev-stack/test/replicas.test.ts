import { stackSettings } from '../src/stack-settings.ts';
import { status, stopService, up, type StackEnv } from '../src/stack.ts';

// The stack with two processes of every worker and of the API, then back to
// the count it had (AIRLOCK_DEV_REPLICAS as the global setup left it).
const APPS = ['upload-api', 'verifier', 'scanner', 'media', 'notifier'];
const initial = process.env.AIRLOCK_DEV_REPLICAS;
let env: StackEnv;

beforeAll(async () => {
  process.env.AIRLOCK_DEV_REPLICAS = '2';
  env = await up();
}, 180_000);

afterAll(async () => {
  process.env.AIRLOCK_DEV_REPLICAS = initial ?? '1';
  await up();
}, 180_000);

const pidOf = (name: string) => status().services.find((s) => s.name === name)?.pid;

const pagesOf = (urls: string) =>
  urls.split(',').map((entry) => entry.split('=', 2) as [stage: string, url: string]);

/** The requests one API process counted: the sum of its request histogram's `_count` series. */
const apiRequests = async (url: string) =>
  [
    ...(await (await fetch(url)).text()).matchAll(
      /^airlock_http_request_duration_seconds_count\{[^}]*\} (\S+)$/gm,
    ),
  ].reduce((sum, [, value]) => sum + Number(value), 0);

describe('AIRLOCK_DEV_REPLICAS=2', () => {
  it('runs two of every worker and of the API, each named and listed with its pid', () => {
    const current = status();
    expect(current.replicas).toBe(2);
    expect(env.AIRLOCK_DEV_REPLICAS).toBe('2');
    for (const app of APPS) {
      const members = current.services.filter((s) => s.group === app);
      expect(members.map((s) => [s.name, s.running])).toEqual([
        [`${app}-1`, true],
        [`${app}-2`, true],
      ]);
      expect(new Set(members.map((s) => s.pid)).size).toBe(2);
    }
    expect(current.services.filter((s) => s.group === 'web').map((s) => s.name)).toEqual(['web']);
    expect(pidOf('api-balancer')).toEqual(expect.any(Number));
  });

  it("keeps AIRLOCK_API_URL, whose balancer spreads requests (not connections) over both APIs, and lists every process's /metrics", async () => {
    expect(env.AIRLOCK_API_URL).toBe(`http://127.0.0.1:${stackSettings().ports.api}`);
    const pages = pagesOf(env.AIRLOCK_METRICS_URLS!);
    expect(pages.map(([stage]) => stage)).toEqual(
      ['api', 'verifier', 'scanner', 'media', 'notifier'].flatMap((stage) => [stage, stage]),
    );
    expect(new Set(pages.map(([, url]) => url)).size).toBe(pages.length);
    const apis = pages.filter(([stage]) => stage === 'api').map(([, url]) => url);
    const before = await Promise.all(apis.map(apiRequests));
    // One client, one keep-alive connection: still both processes answer.
    for (let i = 0; i < 10; i++) {
      const answer = await fetch(`${env.AIRLOCK_API_URL}/v1/uploads`, { method: 'POST' });
      expect(answer.status).toBe(401);
      await answer.arrayBuffer();
    }
    const after = await Promise.all(apis.map(apiRequests));
    const served = after.map((count, at) => count - before[at]!);
    expect(served.every((count) => count > 0)).toBe(true);
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(10);
  });

  it('stops one replica by name, or every replica of an app; up() brings them back on the same ports', async () => {
    expect(await stopService('verifier-2')).toBe(true);
    expect(pidOf('verifier-2')).toBeUndefined();
    expect(pidOf('verifier-1')).toEqual(expect.any(Number));
    expect(await stopService('verifier')).toBe(true);
    expect(pidOf('verifier-1')).toBeUndefined();
    await expect(stopService('verifier-x')).rejects.toThrow(/not one of the stack's apps/);

    const again = await up();
    expect(again.AIRLOCK_METRICS_URLS).toBe(env.AIRLOCK_METRICS_URLS);
    expect([pidOf('verifier-1'), pidOf('verifier-2')]).toEqual([
      expect.any(Number),
      expect.any(Number),
    ]);
  }, 120_000);
});
