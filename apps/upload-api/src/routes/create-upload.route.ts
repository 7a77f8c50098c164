import { Router } from 'express';
import type { RequestUpload } from '@airlock/core';
import { UPLOAD_ID_ATTRIBUTE } from '@airlock/tracing';
import { trace } from '@opentelemetry/api';
import { actorOf, callerOf } from '../http/authenticate.middleware.ts';
import { parseBody } from '../http/parse-body.ts';
import { presentRequestedUpload } from '../http/requested-upload.responses.ts';
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
    trace.getActiveSpan()?.setAttribute(UPLOAD_ID_ATTRIBUTE, result.upload.id);
    const { status, body: answer } = presentRequestedUpload(result);
    res.status(status).json(answer);
  });
}
