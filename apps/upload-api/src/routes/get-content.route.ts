import { Router } from 'express';
import { callerMaySee, Errors, type DownloadLinks, type UploadRepository } from '@airlock/core';
import { callerOf, uploadCallerOf } from '../http/authenticate.middleware.ts';
import { contentQuery, uploadIdParam } from '../http/upload.schemas.ts';

/** 302 to a short-lived signed GET of clean content (or one of its renditions). */
export function getContentRoute(
  uploads: Pick<UploadRepository, 'findWithHistory'>,
  downloads: DownloadLinks,
): Router {
  return Router().get('/v1/uploads/:uploadId/content', async (req, res) => {
    const uploadId = req.params.uploadId ?? '';
    const query = contentQuery.safeParse(req.query);
    if (!query.success) {
      throw Errors.invalidRequest('Only ?rendition=<name> is accepted', {
        issues: query.error.issues.map((issue) => ({
          path: ['query', ...issue.path].join('.'),
          message: issue.message,
        })),
      });
    }
    const found = uploadIdParam.safeParse(uploadId).success
      ? await uploads.findWithHistory(uploadId)
      : undefined;
    if (!found || !callerMaySee(uploadCallerOf(callerOf(res)), found.upload)) {
      throw Errors.uploadNotFound(uploadId);
    }
    res.set('Cache-Control', 'no-store');
    res.redirect(302, await downloads.contentUrl(found.upload, query.data.rendition));
  });
}
