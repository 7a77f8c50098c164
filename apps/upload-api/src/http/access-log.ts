import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@airlock/runtime';

/** The fields of pino-http's serialized request that an access line keeps. */
type LoggedRequest = {
  readonly id: unknown;
  readonly method: string;
  readonly url: string;
  readonly remoteAddress?: string;
};

/**
 * An access line carries who asked what and how it was answered, nothing else:
 * no headers and no body, so credentials, cookies and the signed Location of a
 * `/content` redirect never reach it (the logger's redaction stays the second
 * line of defence for every other log call). Copying four fields instead of
 * every header is also most of the line's cost gone (redaction clones what it
 * is handed, per request twice: the request logger and the access line).
 */
export const accessLogSerializers = {
  req: ({ id, method, url, remoteAddress }: LoggedRequest) => ({ id, method, url, remoteAddress }),
  res: ({ statusCode }: { readonly statusCode: number }) => ({ statusCode }),
};

/** One info line per request (probes excepted); 5xx and failures at error. */
export function accessLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    serializers: accessLogSerializers,
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    // A client's mistake is not our error: only 5xx (and failures) log at error.
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  });
}
