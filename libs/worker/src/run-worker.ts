import type { WorkerConfig } from '@airlock/config';
import {
  bindShutdown,
  createLogger,
  startHealthServer,
  startTracing,
  type Logger,
} from '@airlock/runtime';
import type { Worker } from './create-worker.ts';

/**
 * A worker's main: tracing, its logger, the worker, the health server, then
 * consuming until SIGTERM/SIGINT close them in order (the last spans are
 * exported after the last message is settled).
 */
export async function runWorker<Config extends WorkerConfig>(
  service: string,
  config: Config,
  compose: (config: Config, logger: Logger) => Worker,
): Promise<void> {
  const tracing = startTracing(service);
  const logger = createLogger({ level: config.logLevel, service });
  const worker = compose(config, logger);
  const health = await startHealthServer(
    { ...config.health, service, checks: worker.readiness, registry: worker.registry },
    logger,
  );
  worker.start();
  logger.info(
    {
      queue: worker.queueUrl,
      ...worker.summary,
      healthPort: health.port,
      tracesExported: tracing.exporting,
    },
    `${service} consuming`,
  );
  bindShutdown(logger, [() => worker.close(), health.close, tracing.close]);
}
