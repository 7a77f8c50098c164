import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, Errors } from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import { presentError } from './error.responses.ts';
import { ERROR_CODE_LOCAL } from './request-metrics.ts';

/**
 * `upload_in_progress` is a "wait", not a failure: the content is on its way
 * (parts completed, or being verified, which takes seconds). Clients poll the
 * upload after this long.
 */
export const UPLOAD_IN_PROGRESS_RETRY_AFTER_SECONDS = 2;

export function sendError(res: Parameters<RequestHandler>[1], error: AppError): void {
  if (error.code === 'upload_in_progress')
    res.setHeader('Retry-After', String(UPLOAD_IN_PROGRESS_RETRY_AFTER_SECONDS));
  res.locals[ERROR_CODE_LOCAL] = error.code;
  res.status(error.httpStatus).json(presentError(error));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, Errors.routeNotFound(req.method, req.path));
};

/**
 * The one place any error becomes a response: `{ error: { code, message } }`.
 * What the client got wrong (a body that is not JSON, does not match its
 * Content-Encoding, or is too large; a path that does not decode) is a 400
 * logged at debug, without a stack: only our own failures are errors.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (error instanceof AppError) {
      sendError(res, error);
      return;
    }
    const clientError = clientErrorOf(error);
    if (clientError) {
      logger.debug({ cause: describe(error) }, 'client error');
      sendError(res, clientError);
      return;
    }
    logger.error({ err: error }, 'unhandled error');
    sendError(res, Errors.internal());
  };
}

type HttpError = { status?: unknown; statusCode?: unknown; type?: unknown; code?: unknown };

/**
 * The errors Express, body-parser and raw-body raise for a bad request carry a
 * 4xx `status` (http-errors); zlib's are wrapped the same way by body-parser.
 */
function clientErrorOf(error: unknown): AppError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, type, code } = error as HttpError;
  const httpStatus = typeof status === 'number' ? status : statusCode;
  if (typeof httpStatus !== 'number' || httpStatus < 400 || httpStatus >= 500) return undefined;
  const issue = (path: string, message: string) =>
    Errors.invalidRequest(message, { issues: [{ path, message }] });
  if (error instanceof URIError) return issue('path', 'The path is not valid percent-encoding');
  switch (type) {
    case 'entity.too.large':
      return issue('body', 'Request body too large');
    case 'entity.parse.failed':
      return issue('body', 'Body must be valid JSON');
    case 'encoding.unsupported':
      return issue('body', 'Unsupported Content-Encoding: use identity, gzip, deflate or br');
    case 'charset.unsupported':
      return issue('body', 'Unsupported charset: use utf-8');
    case 'request.aborted':
    case 'request.size.invalid':
      return issue('body', 'The body is incomplete');
  }
  // zlib (Z_DATA_ERROR, Z_BUF_ERROR) and brotli (ERR__ERROR_FORMAT_...) refusing the bytes.
  if (typeof code === 'string' && /^(Z_|ERR__ERROR|ERR_BROTLI)/.test(code)) {
    return issue('body', 'The body does not match its Content-Encoding');
  }
  return issue('request', 'The request is malformed');
}

function describe(error: unknown) {
  const { type, code } = error as HttpError;
  return {
    name: (error as Error).name,
    message: (error as Error).message,
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
