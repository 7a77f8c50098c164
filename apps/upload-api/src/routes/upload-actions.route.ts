import { Router, type Response } from 'express';
import { Errors, type UploadActions } from '@airlock/core';
import { actorOf, callerOf } from '../http/authenticate.middleware.ts';
import { parseBody } from '../http/parse-body.ts';
import { presentSignedParts, presentStoredParts } from '../http/parts.responses.ts';
import { presentCancelled, presentUploadState } from '../http/upload.responses.ts';
import { signPartsBody, uploadIdParam } from '../http/upload.schemas.ts';

/**
 * Uploads in parts (sign part URLs, list stored parts, complete) and
 * cancelling a pending upload of either kind. Anything that is not the UUID of
 * one of the caller's uploads is 404 `upload_not_found`.
 */
export function uploadActionsRoutes(actions: UploadActions): Router {
  const own = (uploadId: string | undefined, res: Response) => {
    const id = uploadId ?? '';
    if (!uploadIdParam.safeParse(id).success) throw Errors.uploadNotFound(id);
    const caller = callerOf(res);
    return {
      uploadId: id,
      callerCustomerId: caller.customerId,
      uploadTokenId: caller.token?.id,
      apiKeyId: caller.apiKeyId,
      actor: actorOf(caller),
    };
  };

  return Router()
    .post('/v1/uploads/:uploadId/parts', async (req, res) => {
      const request = own(req.params.uploadId, res);
      const body = parseBody(signPartsBody, req.body, 'parts request');
      const parts = await actions.signParts({ ...request, parts: body.parts });
      res.json(presentSignedParts(parts));
    })
    .get('/v1/uploads/:uploadId/parts', async (req, res) => {
      const listed = await actions.listParts(own(req.params.uploadId, res));
      res.json(presentStoredParts(listed));
    })
    .post('/v1/uploads/:uploadId/complete', async (req, res) => {
      const upload = await actions.complete(own(req.params.uploadId, res));
      res.json(presentUploadState(upload));
    })
    .delete('/v1/uploads/:uploadId', async (req, res) => {
      const upload = await actions.cancel(own(req.params.uploadId, res));
      res.json(presentCancelled(upload));
    });
}
