import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './logger.ts';

export type ReadinessCheck = { readonly name: string; readonly check: () => Promise<void> };

export type Readiness = {
  readonly ready: boolean;
  readonly body: {
    status: 'ready' | 'unavailable';
    checks: Record<string, { ok: boolean; error?: string }>;
  };
};

/** Runs every check at once; failures are logged with details and answered without them. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  logger: Logger,
): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check();
        return [name, { ok: true }] as const;
      } catch (error) {
        logger.warn({ err: error, dependency: name }, 'readiness check failed');
        return [name, { ok: false, error: 'unreachable' }] as const;
      }
    }),
  );
  const ready = results.every(([, result]) => result.ok);
  return {
    ready,
    body: { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) },
  };
}

export type HealthServer = {
  readonly registry: Registry;
  readonly port: number;
  close(): Promise<void>;
};

/**
 * A process's probe and metrics port (a worker's only one; the API's beside its public one): `/healthz` (the process answers),
 * `/readyz` (every dependency answers; details only in the log) and
 * `/metrics` (Prometheus). Workers have no other HTTP surface.
 */
export async function startHealthServer(
  options: {
    host: string;
    port: number;
    service: string;
    checks: readonly ReadinessCheck[];
    /** The process's metrics: `service` and prom-client's defaults are added to it. @defaultValue a new one */
    registry?: Registry;
  },
  logger: Logger,
): Promise<HealthServer> {
  const registry = options.registry ?? new Registry();
  registry.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: registry });

  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.url === '/healthz') return reply(200, { status: 'ok' });
    if (req.url === '/metrics') return reply(200, await registry.metrics(), registry.contentType);
    if (req.url === '/readyz') {
      const readiness = await runReadinessChecks(options.checks, logger);
      return reply(readiness.ready ? 200 : 503, readiness.body);
    }
    return reply(404, {
      error: { code: 'not_found', message: `No route for ${req.method} ${req.url}` },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    registry,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
