import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@airlock/runtime';
import { AppError, Errors } from '@airlock/core';
import { callerOf } from './authenticate.middleware.ts';
import { sendError } from './error-handler.ts';
import { SharedBudgetStore, type BudgetLeases, type LeaseOutcome } from './shared-budget.store.ts';

const WINDOW_MS = 60_000;

const retryAfterSeconds = (resetTime: Date | undefined) =>
  resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;

/** A key's budget shared by every API process, leased from `leases` in slices. */
export type SharedBudget = {
  readonly leases: BudgetLeases;
  readonly onLease?: (outcome: LeaseOutcome) => void;
  readonly onError?: (error: unknown) => void;
};

/**
 * The shared budget with its metric, `airlock_rate_limit_leases_total`
 * {outcome = granted|exhausted|failed} (leases per request: the database
 * round trips the limit costs), and a warning at most every 10 s while leases
 * fail (each process then limits on its own).
 */
export function observedSharedBudget(
  leases: BudgetLeases,
  logger: Logger,
  registry?: Registry,
): SharedBudget {
  const counter =
    registry &&
    new Counter({
      name: 'airlock_rate_limit_leases_total',
      help: 'Leases of a per-key rate-limit budget from PostgreSQL, by outcome: granted, exhausted (the window is spent) or failed (limited per process).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
  let lastWarning = 0;
  return {
    leases,
    onLease: (outcome) => counter?.inc({ outcome }),
    onError: (error) => {
      if (Date.now() - lastWarning < 10_000) return;
      lastWarning = Date.now();
      logger.warn({ err: error }, 'rate-limit lease failed: limiting per process this window');
    },
  };
}

/**
 * Per API key (per upload token for a token's requests), after authentication.
 * With `shared`, every process together admits at most the limit per key per
 * minute ({@link SharedBudgetStore}); without, the in-memory store counts per
 * process, and behind N processes a key gets N times the limit.
 */
export function perKeyRateLimit(limitPerMinute: number, shared?: SharedBudget): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: limitPerMinute,
    ...(shared && {
      store: new SharedBudgetStore(shared.leases, {
        limit: limitPerMinute,
        windowMs: WINDOW_MS,
        onLease: shared.onLease,
        onError: shared.onError,
      }),
    }),
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
 * database query. express-rate-limit's MemoryStore keeps the window, per
 * process on purpose: sharing it would write to PostgreSQL for unauthenticated
 * traffic, the very cost it exists to spare, and with one row per address a
 * flood from many addresses would fill the table. N processes allow N times
 * the failures, still nothing that could guess a key (192 random bits); a
 * flood across replicas is for a WAF rate-based rule on the load balancer
 * (docs/security.md). The key is `req.ip`, so TRUST_PROXY is honoured, and
 * IPv6 is grouped by /56 as express-rate-limit does.
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
