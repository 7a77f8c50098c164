import { createLogger } from './logger.ts';
import { startHealthServer } from './health-server.ts';
import { memoizedClose, runInOrder } from './shutdown.ts';

const silent = createLogger({ level: 'silent', service: 'test' });

describe('startHealthServer (on loopback)', () => {
  it('answers /healthz, /readyz with each dependency, /metrics for Prometheus, 404 otherwise', async () => {
    const server = await startHealthServer(
      {
        host: '127.0.0.1',
        port: 0,
        service: 'test-worker',
        checks: [
          { name: 'up', check: async () => {} },
          {
            name: 'down',
            check: async () => Promise.reject(new Error('secret-host:5432 refused')),
          },
        ],
      },
      silent,
    );
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      // Details stay in the log: the probe never names hosts.
      expect(await ready.json()).toEqual({
        status: 'unavailable',
        checks: { up: { ok: true }, down: { ok: false, error: 'unreachable' } },
      });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/process_cpu_seconds_total\{service="test-worker"\}/);
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('ordered close', () => {
  it('runs every step in order even after a failure, and reports it', async () => {
    const ran: string[] = [];
    const ok = await runInOrder(
      [
        () => void ran.push('a'),
        () => Promise.reject(new Error('b failed')),
        () => void ran.push('c'),
      ],
      silent,
    );
    expect(ran).toEqual(['a', 'c']);
    expect(ok).toBe(false);
  });

  it('a memoized close runs its steps once however often it is called', async () => {
    let calls = 0;
    const close = memoizedClose([() => void (calls += 1)], silent);
    await Promise.all([close(), close()]);
    await close();
    expect(calls).toBe(1);
  });
});
