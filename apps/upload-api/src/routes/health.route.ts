import { Router } from 'express';
import { runReadinessChecks, type Logger, type ReadinessCheck } from '@airlock/runtime';

export type { ReadinessCheck };

/** `/healthz`: the process answers. `/readyz`: every dependency answers too. */
export function healthRoutes(checks: readonly ReadinessCheck[], logger: Logger): Router {
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      const readiness = await runReadinessChecks(checks, logger);
      res.status(readiness.ready ? 200 : 503).json(readiness.body);
    });
}
