import { Router } from 'express';
import type { RequestUpload } from '@airlock/core';
import { actorOf, callerOf } from '../http/authenticate.middleware.ts';
import { parseBody } from '../http/parse-body.ts';
import { createUploadBody } from '../http/upload.schemas.ts';

export function createUploadRoute(requestUpload: RequestUpload): Router {
  return Router().post('/v1/uploads', async (req, res) => {
    const body = parseBody(createUploadBody, req.body, 'upload request');
    const caller = callerOf(res);
    const result = await requestUpload({
      ...body,
      callerCustomerId: caller.customerId,
      actor: actorOf(caller),
      apiKeyId: caller.apiKeyId,
      token: caller.token,
    });
    const { upload } = result;
    if (result.outcome === 'duplicate') {
      res
        .status(200)
        .json({ uploadId: upload.id, state: upload.state, key: upload.key, duplicate: true });
      return;
    }
    const expiresAt = upload.expiresAt.toISOString();
    res.status(201).json({
      uploadId: upload.id,
      state: upload.state,
      key: upload.key,
      upload:
        result.outcome === 'multipart'
          ? { method: 'MULTIPART', ...result.plan, expiresAt }
          : { ...result.presigned, expiresAt },
    });
  });
}
