import type { RequestHandler, Response } from 'express';
import { Errors, normalizeOrigin, tokenAllowsOrigin } from '@airlock/core';
import { callerOf } from './authenticate.middleware.ts';

/**
 * CORS on `/v1`, for upload tokens only. A browser page holds a token, never
 * an API key: API-key calls are server to server and never get a CORS grant.
 *
 * - A preflight (`OPTIONS` with `Access-Control-Request-Method`, no
 *   credentials) is answered 204 here, before authentication: with a grant
 *   when its `Origin` is allowed by some site and it asks for a method a
 *   token may use, with none otherwise.
 * - An actual request from such an origin gets `Access-Control-Allow-Origin`
 *   provisionally (so a browser can read a 401 or 429 and mint a new token);
 *   once the caller is known, `tokenScope` keeps it only for a token whose
 *   site allows the origin (and whose own `origin`, if set, is it), refuses a
 *   token used from any other origin (403, no grant), and strips it from
 *   API-key calls.
 */

/** The methods a token may use (see TOKEN_OPERATIONS). */
const TOKEN_METHODS = ['GET', 'POST', 'DELETE'] as const;
const PREFLIGHT_MAX_AGE_SECONDS = 600;
const EXPOSED = 'Retry-After, RateLimit, RateLimit-Policy';

/** Every origin some site allows; answered from a cache. */
export type AllowedOrigins = { allows(origin: string): Promise<boolean> };

/**
 * The union of `sites.allowed_origins`, cached in process: reloaded when older
 * than `maxAgeMs` (5 s), and on a miss when older than `missReloadMs` (1 s),
 * so a newly allowed origin works within a second and a flood of preflights
 * from unknown origins costs at most one query a second. Concurrent reloads
 * share one query; a failed reload keeps the last known set.
 */
export function cachedAllowedOrigins(
  load: () => Promise<readonly string[]>,
  options: { maxAgeMs?: number; missReloadMs?: number; now?: () => number } = {},
): AllowedOrigins {
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const missReloadMs = options.missReloadMs ?? 1_000;
  const now = options.now ?? Date.now;
  let known = new Set<string>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;
  const reload = () =>
    (loading ??= load()
      .then((origins) => {
        known = new Set(origins);
        loadedAt = now();
      })
      .catch(() => undefined)
      .finally(() => {
        loading = undefined;
      }));
  return {
    async allows(origin) {
      if (now() - loadedAt > maxAgeMs) await reload();
      if (known.has(origin)) return true;
      if (now() - loadedAt > missReloadMs) await reload();
      return known.has(origin);
    },
  };
}

export function corsMiddleware(origins: AllowedOrigins): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('origin');
    if (header === undefined) {
      next();
      return;
    }
    res.vary('Origin');
    const origin = normalizeOrigin(header);
    const allowed = origin !== undefined && origin === header && (await origins.allows(origin));
    const requested = req.get('access-control-request-method');
    if (req.method === 'OPTIONS' && requested !== undefined) {
      if (allowed && (TOKEN_METHODS as readonly string[]).includes(requested.toUpperCase())) {
        res.set({
          'Access-Control-Allow-Origin': header,
          'Access-Control-Allow-Methods': TOKEN_METHODS.join(', '),
          'Access-Control-Allow-Headers': 'authorization, content-type',
          'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
        });
      }
      res.status(204).end();
      return;
    }
    if (allowed) grant(res, header);
    next();
  };
}

function grant(res: Response, origin: string): void {
  res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': EXPOSED });
}

function revoke(res: Response): void {
  res.removeHeader('Access-Control-Allow-Origin');
  res.removeHeader('Access-Control-Expose-Headers');
}

/**
 * What an upload token may call, below `/v1`: create uploads, their parts,
 * completion, cancel and reads. Anything else (webhooks, tokens, a route
 * added later) is 403 `forbidden` for a token unless listed here.
 */
const TOKEN_OPERATIONS: readonly { method: string; path: RegExp }[] = [
  { method: 'POST', path: /^\/uploads\/?$/ },
  { method: 'POST', path: /^\/uploads\/[^/]+\/parts\/?$/ },
  { method: 'GET', path: /^\/uploads\/[^/]+\/parts\/?$/ },
  { method: 'POST', path: /^\/uploads\/[^/]+\/complete\/?$/ },
  { method: 'DELETE', path: /^\/uploads\/[^/]+\/?$/ },
  { method: 'GET', path: /^\/uploads\/[^/]+\/?$/ },
  { method: 'GET', path: /^\/uploads\/[^/]+\/content\/?$/ },
];

/** After authentication: CORS kept only for tokens from their origins; tokens kept to their operations. */
export function tokenScope(): RequestHandler {
  return (req, res, next) => {
    const caller = callerOf(res);
    const origin = req.get('origin');
    if (!caller.token) {
      // Server to server: an API key never gets a CORS grant.
      revoke(res);
      next();
      return;
    }
    if (origin !== undefined) {
      if (!tokenAllowsOrigin(caller.token, origin)) {
        revoke(res);
        next(Errors.forbidden('This upload token may not be used from this origin'));
        return;
      }
      grant(res, origin);
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!TOKEN_OPERATIONS.some((op) => op.method === method && op.path.test(req.path))) {
      next(
        Errors.forbidden(
          'An upload token may only create, send, follow and cancel its own uploads',
        ),
      );
      return;
    }
    next();
  };
}
