import { z } from 'zod';
import { UPLOAD_TOKEN_MAX_TTL_SECONDS, UPLOAD_TOKEN_MAX_UPLOADS } from '@airlock/core';

export const mintUploadTokenBody = z.strictObject({
  siteId: z.uuid(),
  contentTypes: z.array(z.string().min(1).max(255)).min(1).max(32).optional(),
  maxSize: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  maxUploads: z.number().int().min(1).max(UPLOAD_TOKEN_MAX_UPLOADS).optional(),
  ttlSeconds: z.number().int().min(1).max(UPLOAD_TOKEN_MAX_TTL_SECONDS).optional(),
  origin: z.string().min(1).max(2048).optional(),
});

export const uploadTokenIdParam = z.uuid();
