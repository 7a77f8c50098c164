import type { RequestHandler } from 'express';
import { Errors, type UploadTokenGrant } from '@airlock/core';

/**
 * Who asks: an API key (a customer's server), or an upload token (a browser
 * page), whose `apiKeyId` is the key that minted it.
 */
export type Caller = {
  readonly apiKeyId: string;
  readonly customerId: string;
  readonly token?: UploadTokenGrant | undefined;
};
export type Authenticate = (credential: string) => Promise<Caller | undefined>;

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
      next(
        Errors.unauthorized(
          'A valid API key or upload token is required: Authorization: Bearer <key>',
        ),
      );
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

/** Recorded in the audit trail as who did it. */
export function actorOf(caller: Caller): string {
  return caller.token ? `upload-token:${caller.token.id}` : `api-key:${caller.apiKeyId}`;
}

/** What `callerMaySee` (core) needs: a token sees only the uploads it created. */
export function uploadCallerOf(caller: Caller) {
  return { customerId: caller.customerId, uploadTokenId: caller.token?.id };
}
