import type { RequestHandler } from 'express';
import type { AppError } from '@airlock/core';

/**
 * Express decodes path parameters with decodeURIComponent, which throws on
 * `%ZZ`, `%C0%AF` or `%FF`. Mounted in front of routes with parameters, this
 * answers such a path with the route's own "not found" first: a segment that
 * does not decode names nothing.
 */
export function refuseUndecodableSegments(notFound: (segment: string) => AppError): RequestHandler {
  return (req, _res, next) => {
    for (const segment of req.path.split('/')) {
      try {
        decodeURIComponent(segment);
      } catch {
        next(notFound(segment));
        return;
      }
    }
    next();
  };
}
