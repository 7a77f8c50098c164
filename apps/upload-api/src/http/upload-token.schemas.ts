import { z } from 'zod';
import {
  UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS,
  UPLOAD_TOKEN_DEFAULT_TTL_SECONDS,
  UPLOAD_TOKEN_MAX_TTL_SECONDS,
  UPLOAD_TOKEN_MAX_UPLOADS,
} from '@airlock/core';

// The descriptions are the OpenAPI document's (`GET /openapi.json`).
export const mintUploadTokenBody = z
  .strictObject({
    siteId: z
      .uuid()
      .describe(
        'The site the token uploads to: one of the API key’s customer’s sites (another customer’s ' +
          'is 404 `site_not_found`, like a missing one).',
      ),
    contentTypes: z
      .array(z.string().min(1).max(255))
      .min(1)
      .max(32)
      .optional()
      .describe(
        'The types the token may upload, from the allow-list (anything else is 400). Absent: the ' +
          'whole allow-list.',
      ),
    maxSize: z
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe(
        'The largest file the token may upload, in bytes, at most the largest category limit; ' +
          'the category limits still apply. Absent: the category limits alone.',
      ),
    maxUploads: z
      .number()
      .int()
      .min(1)
      .max(UPLOAD_TOKEN_MAX_UPLOADS)
      .optional()
      .describe(
        `How many uploads the token may create (a resumed one is not counted again). Default ${UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS}.`,
      ),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(UPLOAD_TOKEN_MAX_TTL_SECONDS)
      .optional()
      .describe(
        `Lifetime, at most ${UPLOAD_TOKEN_MAX_TTL_SECONDS} (one hour). Default ${UPLOAD_TOKEN_DEFAULT_TTL_SECONDS}. Uploads it created can still be followed with the API key afterwards.`,
      ),
    origin: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe(
        'A browser origin (`https://shop.example`): browser requests with the token must come from ' +
          'it, and it must also be one of the site’s allowed origins.',
      ),
  })
  .describe('What an upload token may do.');

export const uploadTokenIdParam = z.uuid();
