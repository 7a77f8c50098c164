import { Router } from 'express';
import type { Logger } from '@airlock/logging';

export type ReadinessCheck = { readonly name: string; readonly check: () => Promise<void> };

/** `/healthz`: the process answers. `/readyz`: every dependency answers too. */
export function healthRoutes(checks: readonly ReadinessCheck[], logger: Logger): Router {
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      const results = await Promise.all(
        checks.map(async ({ name, check }) => {
          try {
            await check();
            return { name, ok: true } as const;
          } catch (error) {
            // Details go to the log only: the probe is public and errors name hosts.
            logger.warn({ err: error, dependency: name }, 'readiness check failed');
            return { name, ok: false, error: 'unreachable' } as const;
          }
        }),
      );
      const ready = results.every((result) => result.ok);
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'unavailable',
        checks: Object.fromEntries(results.map(({ name, ...rest }) => [name, rest])),
      });
    });
}
