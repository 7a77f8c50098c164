import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { AppError, Errors } from '@airlock/core';
import { callerOf } from './authenticate.middleware.ts';
import { sendError } from './error-handler.ts';

const WINDOW_MS = 60_000;

const retryAfterSeconds = (resetTime: Date | undefined) =>
  resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;

/**
 * Per API key (per upload token for a token's requests), after authentication. The in-memory store counts per process:
 * behind N replicas a key gets N times the limit unless a shared store is set.
 */
export function perKeyRateLimit(limitPerMinute: number): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: limitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // A token has a budget of its own: one page cannot spend its server's.
    keyGenerator: (_req, res) => {
      const caller = callerOf(res);
      return caller.token ? `token:${caller.token.id}` : caller.apiKeyId;
    },
    handler: (req, res) => {
      const state = (req as { rateLimit?: { resetTime?: Date } }).rateLimit;
      const retryAfter = retryAfterSeconds(state?.resetTime);
      res.setHeader('Retry-After', String(retryAfter));
      sendError(res, Errors.rateLimited(retryAfter));
    },
  });
}

/**
 * Per client IP, in front of authentication. Only answers of 401 count (when
 * they finish), and the check itself counts nothing, so any amount of
 * authenticated traffic from one address (a NAT, a busy backend, the test
 * suite on 127.0.0.1), however concurrent, is never throttled here. Past
 * `failuresPerMinute` failures in the window the address gets 429 without its
 * key being looked up: a key-guessing or garbage-header flood costs no
 * database query. express-rate-limit's MemoryStore keeps the window (per
 * process, like the per-key limit); the key is `req.ip`, so TRUST_PROXY is
 * honoured, and IPv6 is grouped by /56 as express-rate-limit does.
 */
export function perIpAuthFailureLimit(failuresPerMinute: number): RequestHandler {
  const store = new MemoryStore();
  store.init({ windowMs: WINDOW_MS } as Options);
  return async (req, res, next) => {
    const key = ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const failures = await store.get(key);
    if (failures && failures.totalHits >= failuresPerMinute) {
      const retryAfter = retryAfterSeconds(failures.resetTime);
      res.setHeader('Retry-After', String(retryAfter));
      sendError(
        res,
        new AppError('rate_limited', 'Too many failed authentications from this address', {
          retryAfterSeconds: retryAfter,
        }),
      );
      return;
    }
    res.on('finish', () => {
      if (res.statusCode === 401) void store.increment(key);
    });
    next();
  };
}
