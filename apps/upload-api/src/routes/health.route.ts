import { Router } from 'express';
import { runReadinessChecks, type Logger, type ReadinessCheck } from '@airlock/runtime';
import { presentReadiness } from '../http/health.responses.ts';

export type { ReadinessCheck };

/** `/healthz`: the process answers. `/readyz`: every dependency answers too. */
export function healthRoutes(checks: readonly ReadinessCheck[], logger: Logger): Router {
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    })
    .get('/readyz', async (_req, res) => {
      const { status, body } = presentReadiness(await runReadinessChecks(checks, logger));
      res.status(status).json(body);
    });
}
