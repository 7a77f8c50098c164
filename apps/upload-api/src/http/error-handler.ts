import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, Errors } from '@airlock/core';
import type { Logger } from '@airlock/runtime';

export function sendError(res: Parameters<RequestHandler>[1], error: AppError): void {
  res.status(error.httpStatus).json({
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  });
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, Errors.routeNotFound(req.method, req.path));
};

/** The one place any error becomes a response: `{ error: { code, message } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (error instanceof AppError) {
      sendError(res, error);
      return;
    }
    if (isBodyParserError(error)) {
      sendError(
        res,
        Errors.invalidRequest(
          error.type === 'entity.too.large' ? 'Request body too large' : 'Body must be valid JSON',
        ),
      );
      return;
    }
    logger.error({ err: error }, 'unhandled error');
    sendError(res, Errors.internal());
  };
}

function isBodyParserError(error: unknown): error is { type: string; status: number } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'type' in error &&
    'status' in error &&
    (error as { status: number }).status < 500
  );
}
