import type { Express } from 'express';
import type { UploadApiConfig } from '@airlock/config';
import {
  createDownloadLinks,
  createRequestUpload,
  createUploadActions,
  looksLikeUploadToken,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import {
  createPool,
  PgSiteDirectory,
  PgTenantAdmin,
  PgUploadRenditions,
  PgUploadRepository,
  PgUploadTokens,
  PgWebhookEndpoints,
  ping,
} from '@airlock/postgres';
import {
  createS3Client,
  probeBucket,
  S3FormPostSigner,
  S3MultipartStore,
  S3UploadUrlSigner,
} from '@airlock/s3';
import { generateWebhookSecret } from '@airlock/webhooks';
import { createApp } from './app.ts';
import { cachedAllowedOrigins } from './http/browser-access.middleware.ts';

/** Builds the API from its config: the composition root shared by main.ts and the tests. */
export function composeUploadApi(
  config: UploadApiConfig,
  logger: Logger,
): { app: Express; close: () => Promise<void> } {
  const pool = createPool(config.databaseUrl);
  const s3 = createS3Client(config.aws.s3);
  const uploads = new PgUploadRepository({ pool });
  const tenants = new PgTenantAdmin({ pool });
  const signer = new S3UploadUrlSigner({ s3 });
  const multipart = new S3MultipartStore({ s3 });
  const uploadTokens = new PgUploadTokens({ pool });

  const app = createApp(
    {
      logger,
      // `ut_…` is a browser's upload token, anything else an API key.
      authenticate: async (credential) => {
        if (!looksLikeUploadToken(credential)) return tenants.authenticate(credential);
        const grant = await uploadTokens.authenticate(credential);
        return grant && { apiKeyId: grant.apiKeyId, customerId: grant.customerId, token: grant };
      },
      requestUpload: createRequestUpload(
        {
          sites: new PgSiteDirectory({ pool }),
          uploads,
          signer,
          forms: new S3FormPostSigner({ s3 }),
          multipart,
          tokens: uploadTokens,
        },
        config.uploads,
      ),
      uploadActions: createUploadActions(
        { uploads, store: multipart },
        { expiry: config.uploads.expiry },
      ),
      uploads,
      downloads: createDownloadLinks(
        { signer, renditions: new PgUploadRenditions({ pool }) },
        { expiresInSeconds: config.downloadUrlSeconds },
      ),
      webhooks: new PgWebhookEndpoints({ pool }),
      newWebhookSecret: generateWebhookSecret,
      uploadTokens,
      sizeLimits: config.uploads.sizeLimits,
      allowedOrigins: cachedAllowedOrigins(() => uploadTokens.allAllowedOrigins()),
      readiness: [
        { name: 'postgres', check: () => ping(pool) },
        { name: 's3', check: () => probeBucket(s3, config.uploads.bucket) },
      ],
    },
    {
      rateLimitPerMinute: config.rateLimitPerMinute,
      authFailuresPerIpPerMinute: config.authFailuresPerIpPerMinute,
      trustProxy: config.http.trustProxy,
      webhookUrls: {
        allowHttp: config.webhookAllowHttp,
        allowedCidrs: config.webhookAllowedCidrs,
      },
    },
  );

  return {
    app,
    close: async () => {
      await pool.end();
      s3.destroy();
    },
  };
}
