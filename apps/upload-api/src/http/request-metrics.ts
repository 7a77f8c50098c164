import type { RequestHandler, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Where {@link sendError} leaves the error code, for the upload outcome's `reason`. */
export const ERROR_CODE_LOCAL = 'errorCode';

/** Methods outside this set (Node parses dozens) share one label value. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type UploadOutcome = 'created' | 'duplicate' | 'refused';

/** `created` (201), `duplicate` (200) or `refused` (4xx, with its error code); 5xx is no outcome. */
export function uploadOutcome(
  status: number,
  errorCode: unknown,
): { outcome: UploadOutcome; reason: string } | undefined {
  if (status === 201) return { outcome: 'created', reason: '' };
  if (status === 200) return { outcome: 'duplicate', reason: '' };
  if (status >= 400 && status < 500)
    return { outcome: 'refused', reason: typeof errorCode === 'string' ? errorCode : 'unknown' };
  return undefined;
}

/**
 * Every request timed into `airlock_http_request_duration_seconds` {method,
 * route, status}: the route is the Express pattern that answered
 * (`/v1/uploads/:uploadId`), `unmatched` when no route ran (an unknown path,
 * or refused by authentication or a rate limit first), so no id reaches a
 * label. `POST /v1/uploads` also counts `airlock_upload_requests_total`
 * {outcome, reason}. Labelled children are kept per label set: a request
 * costs one timer reading, one lookup and one observe.
 */
export function requestMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'airlock_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status: the time to the last byte sent.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const uploadRequests = new Counter({
    name: 'airlock_upload_requests_total',
    help: 'POST /v1/uploads by outcome: created, duplicate, or refused (reason: the error code).',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const timers = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();
  const outcomes = new Map<string, Counter.Internal>();

  const record = (method: string, route: string, res: Response, startedAt: number) => {
    const status = res.statusCode;
    const key = `${method} ${status} ${route}`;
    let timer = timers.get(key);
    if (!timer) {
      timer = duration.labels(method, route, String(status));
      timers.set(key, timer);
    }
    timer.observe((performance.now() - startedAt) / 1000);
    if (method !== 'POST' || route !== UPLOADS_ROUTE) return;
    const outcome = uploadOutcome(status, res.locals[ERROR_CODE_LOCAL]);
    if (!outcome) return;
    const outcomeKey = `${outcome.outcome} ${outcome.reason}`;
    let counter = outcomes.get(outcomeKey);
    if (!counter) {
      counter = uploadRequests.labels(outcome.outcome, outcome.reason);
      outcomes.set(outcomeKey, counter);
    }
    counter.inc();
  };

  return (req, res, next) => {
    const startedAt = performance.now();
    const method = METHODS.has(req.method) ? req.method : 'OTHER';
    // Read here, at the root: mounted middleware rewrites req.url on the way.
    // A POST /v1/uploads refused before routing (401, 429) keeps its route.
    const unrouted = method === 'POST' && req.path === UPLOADS_ROUTE ? UPLOADS_ROUTE : 'unmatched';
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? unrouted;
      record(method, route, res, startedAt);
    });
    next();
  };
}

const UPLOADS_ROUTE = '/v1/uploads';
