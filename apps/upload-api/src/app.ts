import express, { type Express, type RequestHandler } from 'express';
import {
  Errors,
  type DownloadLinks,
  type RequestUpload,
  type SizeLimits,
  type UploadActions,
  type UploadRepository,
  type WebhookUrlPolicy,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import type { Registry } from 'prom-client';
import { accessLog } from './http/access-log.ts';
import { authenticateMiddleware, type Authenticate } from './http/authenticate.middleware.ts';
import {
  corsMiddleware,
  tokenScope,
  type AllowedOrigins,
} from './http/browser-access.middleware.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { refuseUndecodableSegments } from './http/path-segments.ts';
import { requestMetrics } from './http/request-metrics.ts';
import { requestSpan } from './http/request-span.ts';
import { securityHeaders } from './http/security-headers.ts';
import {
  observedSharedBudget,
  perIpAuthFailureLimit,
  perKeyRateLimit,
} from './http/rate-limit.middleware.ts';
import type { BudgetLeases } from './http/shared-budget.store.ts';
import { createUploadRoute } from './routes/create-upload.route.ts';
import { getContentRoute } from './routes/get-content.route.ts';
import { getUploadRoute } from './routes/get-upload.route.ts';
import { uploadActionsRoutes } from './routes/upload-actions.route.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.route.ts';
import { openApiRoute } from './routes/openapi.route.ts';
import { webhookRoutes, type WebhookRegistry } from './routes/webhook.route.ts';
import { uploadTokenRoutes, type UploadTokenIssuer } from './routes/upload-tokens.route.ts';

export type UploadApiDependencies = {
  readonly logger: Logger;
  readonly authenticate: Authenticate;
  readonly requestUpload: RequestUpload;
  /** Parts, completion and cancel of the caller's own uploads. */
  readonly uploadActions: UploadActions;
  readonly uploads: Pick<UploadRepository, 'findWithHistory'>;
  readonly downloads: DownloadLinks;
  readonly webhooks: WebhookRegistry;
  readonly newWebhookSecret: () => string;
  readonly readiness: readonly ReadinessCheck[];
  /** Browser upload tokens: minted and revoked with an API key. */
  readonly uploadTokens: UploadTokenIssuer;
  /** The category limits, the ceiling of a token's `maxSize`. */
  readonly sizeLimits: SizeLimits;
  /** Every browser origin some site allows (CORS preflights). */
  readonly allowedOrigins: AllowedOrigins;
  /** Where request metrics go (served on the metrics port, not here); none: not measured. */
  readonly registry?: Registry;
  /** The per-key rate limit's budget shared by every API process; none: per process. */
  readonly rateLimitLeases?: BudgetLeases;
};

export type UploadApiOptions = {
  /** Requests per minute per API key. @defaultValue 600 */
  readonly rateLimitPerMinute: number;
  /** Requests answered 401 per client IP per minute, then 429 before auth. @defaultValue 60 */
  readonly authFailuresPerIpPerMinute: number;
  /** Trust X-Forwarded-* from one proxy hop (a load balancer). @defaultValue false */
  readonly trustProxy: boolean;
  readonly webhookUrls: WebhookUrlPolicy;
};

export function createApp(deps: UploadApiDependencies, options: UploadApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ? 1 : false);
  app.use(requestSpan());
  app.use(securityHeaders());
  if (deps.registry) app.use(requestMetrics(deps.registry));
  app.use(accessLog(deps.logger));
  app.use(healthRoutes(deps.readiness, deps.logger));
  app.use(openApiRoute());
  app.use(
    '/v1',
    // Preflights are answered before authentication (they carry no credentials).
    corsMiddleware(deps.allowedOrigins),
    perIpAuthFailureLimit(options.authFailuresPerIpPerMinute),
    authenticateMiddleware(deps.authenticate),
    tokenScope(),
    perKeyRateLimit(
      options.rateLimitPerMinute,
      deps.rateLimitLeases &&
        observedSharedBudget(deps.rateLimitLeases, deps.logger, deps.registry),
    ),
  );
  // Bodies are read only by the operations that take one; GET and DELETE ignore theirs.
  const jsonBody = express.json({ limit: '16kb', strict: true });
  app.use('/v1/uploads', onlyFor('POST', jsonBody));
  app.use('/v1/webhook', onlyFor('PUT', jsonBody));
  app.use('/v1/upload-tokens', onlyFor('POST', jsonBody));
  app.use(
    '/v1/upload-tokens',
    refuseUndecodableSegments((segment) => Errors.uploadTokenNotFound(segment)),
  );
  app.use(
    '/v1/uploads',
    refuseUndecodableSegments((segment) => Errors.uploadNotFound(segment)),
  );
  // Up to 100 parts of ~120 bytes each; `complete` takes no body.
  app.use(
    '/v1/uploads',
    onlyFor('POST', express.json({ limit: '32kb', strict: true }), PARTS_PATH),
  );
  app.use(createUploadRoute(deps.requestUpload));
  app.use(uploadActionsRoutes(deps.uploadActions));
  app.use(getUploadRoute(deps.uploads, deps.downloads));
  app.use(getContentRoute(deps.uploads, deps.downloads));
  app.use(webhookRoutes(deps.webhooks, deps.newWebhookSecret, options.webhookUrls));
  app.use(uploadTokenRoutes(deps.uploadTokens, deps.sizeLimits));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}

/** `/{uploadId}/parts` below the `/v1/uploads` mount. */
const PARTS_PATH = /^\/[^/]+\/parts$/;

/**
 * `handler` for `method` on the mount path itself (not below it), or on the
 * paths below it that `path` matches; anything else passes by.
 */
function onlyFor(method: string, handler: RequestHandler, path?: RegExp): RequestHandler {
  return (req, res, next) => {
    if (req.method === method && (path ? path.test(req.path) : req.path === '/'))
      handler(req, res, next);
    else next();
  };
}
