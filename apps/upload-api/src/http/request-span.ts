import type { RequestHandler } from 'express';
import { inSpan, SpanKind } from '@airlock/tracing';
import { ROOT_CONTEXT, SpanStatusCode } from '@opentelemetry/api';

/**
 * Every request in a SERVER span (OpenTelemetry's HTTP conventions), named
 * `METHOD /route/pattern` once a route answered (`/v1/uploads/:uploadId`),
 * so no id reaches the name; the URL, query and headers (credentials, signed
 * URLs) are never recorded. A `traceparent` sent by the client is not
 * followed: this is the public edge, and an upload's trace starts here.
 */
export function requestSpan(): RequestHandler {
  return (req, res, next) => {
    void inSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.scheme': req.protocol },
      },
      (span) =>
        new Promise<void>((resolve) => {
          res.once('close', () => {
            const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : undefined;
            if (route) {
              span.updateName(`${req.method} ${route}`);
              span.setAttribute('http.route', route);
            }
            span.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            resolve();
          });
          next();
        }),
      // A new trace for every request, whatever the client's headers say.
      ROOT_CONTEXT,
    );
  };
}
