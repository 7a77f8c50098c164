import { once } from 'node:events';
import { loadUploadApiConfig } from '@airlock/config';
import { bindShutdown, createLogger, startHealthServer, startTracing } from '@airlock/runtime';
import { composeUploadApi } from './compose.ts';

const tracing = startTracing('upload-api');
const config = loadUploadApiConfig();
const logger = createLogger({ level: config.logLevel, service: 'upload-api' });
const { app, registry, readiness, close } = composeUploadApi(config, logger);
const metrics = await startHealthServer(
  { ...config.metrics, service: 'upload-api', checks: readiness, registry },
  logger,
);

const server = app.listen(config.http.port, config.http.host);
await once(server, 'listening');
logger.info(
  {
    port: config.http.port,
    host: config.http.host,
    metricsPort: metrics.port,
    tracesExported: tracing.exporting,
  },
  'upload-api listening',
);

bindShutdown(logger, [
  () => new Promise<void>((resolve) => server.close(() => resolve())),
  close,
  metrics.close,
  tracing.close,
]);
