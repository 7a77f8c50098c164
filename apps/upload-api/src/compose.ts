import type { Express } from 'express';
import type { UploadApiConfig } from '@airlock/config';
import {
  createDownloadLinks,
  createRequestUpload,
  createUploadActions,
  looksLikeUploadToken,
} from '@airlock/core';
import { PromPipelineMetrics, type Logger, type ReadinessCheck } from '@airlock/runtime';
import { Registry } from 'prom-client';
import {
  createPool,
  PgSiteDirectory,
  PgRateLimitLeases,
  PgTenantAdmin,
  PgUploadRenditions,
  PgUploadRepository,
  PgUploadTokens,
  PgWebhookEndpoints,
  ping,
  TenancyCache,
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
): {
  app: Express;
  /** The API's metrics, served on its own port (main.ts), never on the public one. */
  registry: Registry;
  readiness: readonly ReadinessCheck[];
  close: () => Promise<void>;
} {
  const pool = createPool(config.databaseUrl);
  const s3 = createS3Client(config.aws.s3);
  const registry = new Registry();
  const uploads = new PgUploadRepository({ pool, metrics: new PromPipelineMetrics(registry) });
  const readiness: readonly ReadinessCheck[] = [
    { name: 'postgres', check: () => ping(pool) },
    { name: 's3', check: () => probeBucket(s3, config.uploads.bucket) },
  ];
  const tenants = new PgTenantAdmin({ pool });
  const signer = new S3UploadUrlSigner({ s3 });
  const multipart = new S3MultipartStore({ s3 });
  const uploadTokens = new PgUploadTokens({ pool });
  // Keys and sites in process, dropped on any change (LISTEN/NOTIFY): the
  // common request costs no lookup, and a revocation is seen within a second.
  const siteDirectory = new PgSiteDirectory({ pool });
  const tenancy = new TenancyCache(
    config.databaseUrl,
    {
      authenticate: (key) => tenants.authenticate(key),
      findSite: (siteId) => siteDirectory.findSite(siteId),
    },
    {
      onListenerError: (error) =>
        logger.warn({ err: error }, 'tenancy cache not listening: lookups go to the database'),
    },
  ).start();

  const app = createApp(
    {
      logger,
      // `ut_…` is a browser's upload token, anything else an API key.
      authenticate: async (credential) => {
        if (!looksLikeUploadToken(credential)) return tenancy.authenticate(credential);
        const grant = await uploadTokens.authenticate(credential);
        return grant && { apiKeyId: grant.apiKeyId, customerId: grant.customerId, token: grant };
      },
      requestUpload: createRequestUpload(
        {
          sites: tenancy,
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
      readiness,
      registry,
      rateLimitLeases: config.rateLimitShared ? new PgRateLimitLeases({ pool }) : undefined,
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
    registry,
    readiness,
    close: async () => {
      await tenancy.close();
      await pool.end();
      s3.destroy();
    },
  };
}
