import { Router } from 'express';
import { Errors, uploadTokenLimits, type SizeLimits, type UploadTokenLimits } from '@airlock/core';
import { callerOf } from '../http/authenticate.middleware.ts';
import { parseBody } from '../http/parse-body.ts';
import { presentUploadToken, type MintedToken } from '../http/upload-token.responses.ts';
import { mintUploadTokenBody, uploadTokenIdParam } from '../http/upload-token.schemas.ts';

export type UploadTokenIssuer = {
  /** `undefined` when the site is not the customer's. */
  mint(
    customerId: string,
    apiKeyId: string,
    limits: UploadTokenLimits,
  ): Promise<MintedToken | undefined>;
  revoke(customerId: string, tokenId: string): Promise<boolean>;
};

/**
 * Minting and revoking upload tokens: API keys only (`tokenScope` refuses
 * tokens before they get here).
 */
export function uploadTokenRoutes(tokens: UploadTokenIssuer, sizeLimits: SizeLimits): Router {
  return Router()
    .post('/v1/upload-tokens', async (req, res) => {
      const body = parseBody(mintUploadTokenBody, req.body, 'upload token request');
      const caller = callerOf(res);
      const limits = uploadTokenLimits(body, sizeLimits);
      const minted = await tokens.mint(caller.customerId, caller.apiKeyId, limits);
      // Another customer's site is answered exactly like a missing one.
      if (!minted) throw Errors.siteNotFound(body.siteId);
      res.status(201).json(presentUploadToken(minted));
    })
    .delete('/v1/upload-tokens/:tokenId', async (req, res) => {
      const tokenId = req.params.tokenId ?? '';
      const revoked =
        uploadTokenIdParam.safeParse(tokenId).success &&
        (await tokens.revoke(callerOf(res).customerId, tokenId));
      if (!revoked) throw Errors.uploadTokenNotFound(tokenId);
      res.status(204).end();
    });
}
