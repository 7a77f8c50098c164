import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** The headers helmet() sets with its defaults, and the ones it removes. */
export function helmetHeaders(): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      set.push([name, String(value)]);
    },
    removeHeader: (name: string) => removed.push(name),
  };
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return { set, removed };
}

/**
 * helmet()'s default headers, worked out once at start: with no per-request
 * nonce they never vary, so each request only sets them (helmet would
 * rebuild each one per request).
 */
export function securityHeaders(): RequestHandler {
  const { set, removed } = helmetHeaders();
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}
