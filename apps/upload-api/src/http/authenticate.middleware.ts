import type { RequestHandler } from 'express';
import { Errors } from '@airlock/core';

export type Caller = { readonly apiKeyId: string; readonly customerId: string };
export type Authenticate = (apiKey: string) => Promise<Caller | undefined>;

declare module 'express-serve-static-core' {
  interface Locals {
    caller?: Caller;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function authenticateMiddleware(authenticate: Authenticate): RequestHandler {
  return async (req, res, next) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    const caller = match?.[1] ? await authenticate(match[1]) : undefined;
    if (!caller) {
      next(Errors.unauthorized());
      return;
    }
    res.locals.caller = caller;
    next();
  };
}

export function callerOf(res: { locals: { caller?: Caller } }): Caller {
  const caller = res.locals.caller;
  if (!caller) throw Errors.unauthorized();
  return caller;
}
