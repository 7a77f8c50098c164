import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { Errors } from '@airlock/core';
import { callerOf } from './authenticate.middleware.ts';
import { sendError } from './error-handler.ts';

/**
 * Per API key, after authentication. The in-memory store counts per process:
 * behind N replicas a key gets N times the limit unless a shared store is set.
 */
export function perKeyRateLimit(limitPerMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => callerOf(res).apiKeyId,
    handler: (req, res) => {
      const resetTime = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = resetTime
        ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
        : 60;
      res.setHeader('Retry-After', String(retryAfter));
      sendError(res, Errors.rateLimited(retryAfter));
    },
  });
}
