import { Router } from 'express';
import { Errors, type RequestUpload } from '@airlock/core';
import { callerOf } from '../http/authenticate.middleware.ts';
import { createUploadBody } from '../http/upload.schemas.ts';

export function createUploadRoute(requestUpload: RequestUpload): Router {
  return Router().post('/v1/uploads', async (req, res) => {
    const parsed = createUploadBody.safeParse(req.body);
    if (!parsed.success) {
      throw Errors.invalidRequest('The request body is not a valid upload request', {
        issues: parsed.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        })),
      });
    }
    const caller = callerOf(res);
    const result = await requestUpload({
      ...parsed.data,
      callerCustomerId: caller.customerId,
      actor: `api-key:${caller.apiKeyId}`,
    });
    const { upload } = result;
    if (result.outcome === 'duplicate') {
      res
        .status(200)
        .json({ uploadId: upload.id, state: upload.state, key: upload.key, duplicate: true });
      return;
    }
    res.status(201).json({
      uploadId: upload.id,
      state: upload.state,
      key: upload.key,
      upload: { ...result.presigned, expiresAt: upload.expiresAt.toISOString() },
    });
  });
}
