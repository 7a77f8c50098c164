import { z } from 'zod';
import type { UploadTokenLimits } from '@airlock/core';
import { timestamp, uuid } from './response.primitives.ts';

export type MintedToken = Omit<UploadTokenLimits, 'ttlSeconds'> & {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: Date;
};

export const uploadTokenSchema = z
  .strictObject({
    tokenId: uuid.describe('Revoke with `DELETE /v1/upload-tokens/{tokenId}`.'),
    token: z
      .string()
      .regex(/^ut_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/)
      .describe('`Authorization: Bearer <token>`.'),
    expiresAt: timestamp,
    siteId: uuid,
    contentTypes: z
      .array(z.string())
      .nullable()
      .describe('Canonical types; `null`: the whole allow-list.'),
    maxSize: z.int().min(1).nullable().describe('`null`: the category limits.'),
    maxUploads: z.int().min(1),
    origin: z.string().nullable().describe('`null`: any of the site’s allowed origins.'),
  })
  .describe(
    'A new upload token: hand `token` to the browser page. It is shown only here (only its ' +
      'hash is stored).',
  );

/** `POST /v1/upload-tokens` (201): the token, shown this once. */
export function presentUploadToken(minted: MintedToken): z.infer<typeof uploadTokenSchema> {
  return {
    tokenId: minted.id,
    token: minted.token,
    expiresAt: minted.expiresAt.toISOString(),
    siteId: minted.siteId,
    contentTypes: minted.contentTypes && [...minted.contentTypes],
    maxSize: minted.maxSize,
    maxUploads: minted.maxUploads,
    origin: minted.origin,
  };
}
