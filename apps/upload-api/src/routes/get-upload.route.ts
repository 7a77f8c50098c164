import { Router } from 'express';
import { callerMaySee, Errors, type DownloadLinks, type UploadRepository } from '@airlock/core';
import { callerOf, uploadCallerOf } from '../http/authenticate.middleware.ts';
import { presentUpload } from '../http/upload.responses.ts';
import { uploadIdParam } from '../http/upload.schemas.ts';

export function getUploadRoute(
  uploads: Pick<UploadRepository, 'findWithHistory'>,
  downloads: DownloadLinks,
): Router {
  return Router().get('/v1/uploads/:uploadId', async (req, res) => {
    const uploadId = req.params.uploadId ?? '';
    // Another customer's upload is indistinguishable from a missing one.
    const found = uploadIdParam.safeParse(uploadId).success
      ? await uploads.findWithHistory(uploadId)
      : undefined;
    if (!found || !callerMaySee(uploadCallerOf(callerOf(res)), found.upload)) {
      throw Errors.uploadNotFound(uploadId);
    }
    const { renditions, downloads: links } = await downloads.describe(found.upload);
    res.json(presentUpload(found.upload, found.history, renditions, links));
  });
}
