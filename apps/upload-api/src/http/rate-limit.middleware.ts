import { rateLimit } from 'express-rate-limit';
import type { Request, RequestHandler, Response } from 'express';
import { AppError, Errors } from '@airlock/core';
import { callerOf } from './authenticate.middleware.ts';
import { sendError } from './error-handler.ts';

const retryAfterSeconds = (resetTime: Date | undefined) =>
  resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;

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
      const state = (req as { rateLimit?: { resetTime?: Date } }).rateLimit;
      const retryAfter = retryAfterSeconds(state?.resetTime);
      res.setHeader('Retry-After', String(retryAfter));
      sendError(res, Errors.rateLimited(retryAfter));
    },
  });
}

/**
 * Per client IP, in front of authentication: only requests answered 401 count,
 * so any amount of authenticated traffic from one address (a NAT, a backend,
 * the test suite on 127.0.0.1) is never throttled here. Past the budget the
 * address gets 429 without its key being looked up: a key-guessing or
 * garbage-header flood costs no database query. The IP is `req.ip`, so it
 * honours TRUST_PROXY (IPv6 grouped by /56, as express-rate-limit does).
 */
export function perIpAuthFailureLimit(failuresPerMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: failuresPerMinute,
    // The per-key limiter's RateLimit headers are the ones clients act on.
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: 'authFailureLimit',
    // Counted on arrival, given back when the answer is anything but 401 (a 429 too).
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req: Request, res: Response) => res.statusCode !== 401,
    handler: (req, res) => {
      const state = (req as { authFailureLimit?: { resetTime?: Date } }).authFailureLimit;
      const retryAfter = retryAfterSeconds(state?.resetTime);
      res.setHeader('Retry-After', String(retryAfter));
      sendError(
        res,
        new AppError('rate_limited', 'Too many failed authentications from this address', {
          retryAfterSeconds: retryAfter,
        }),
      );
    },
  });
}
