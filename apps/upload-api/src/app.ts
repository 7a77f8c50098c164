import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type {
  DownloadLinks,
  RequestUpload,
  UploadRepository,
  WebhookUrlPolicy,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import { authenticateMiddleware, type Authenticate } from './http/authenticate.middleware.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { perKeyRateLimit } from './http/rate-limit.middleware.ts';
import { createUploadRoute } from './routes/create-upload.route.ts';
import { getContentRoute } from './routes/get-content.route.ts';
import { getUploadRoute } from './routes/get-upload.route.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.route.ts';
import { openApiRoute } from './routes/openapi.route.ts';
import { webhookRoutes, type WebhookRegistry } from './routes/webhook.route.ts';

export type UploadApiDependencies = {
  readonly logger: Logger;
  readonly authenticate: Authenticate;
  readonly requestUpload: RequestUpload;
  readonly uploads: Pick<UploadRepository, 'findWithHistory'>;
  readonly downloads: DownloadLinks;
  readonly webhooks: WebhookRegistry;
  readonly newWebhookSecret: () => string;
  readonly readiness: readonly ReadinessCheck[];
};

export type UploadApiOptions = {
  /** Requests per minute per API key. @defaultValue 600 */
  readonly rateLimitPerMinute: number;
  /** Trust X-Forwarded-* from one proxy hop (a load balancer). @defaultValue false */
  readonly trustProxy: boolean;
  readonly webhookUrls: WebhookUrlPolicy;
};

export function createApp(deps: UploadApiDependencies, options: UploadApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ? 1 : false);
  app.use(helmet());
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(healthRoutes(deps.readiness, deps.logger));
  app.use(openApiRoute());
  app.use(
    '/v1',
    authenticateMiddleware(deps.authenticate),
    perKeyRateLimit(options.rateLimitPerMinute),
    express.json({ limit: '16kb', strict: true }),
  );
  app.use(createUploadRoute(deps.requestUpload));
  app.use(getUploadRoute(deps.uploads, deps.downloads));
  app.use(getContentRoute(deps.uploads, deps.downloads));
  app.use(webhookRoutes(deps.webhooks, deps.newWebhookSecret, options.webhookUrls));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
