import { loadNotifierConfig } from '@airlock/config';
import { bindShutdown, createLogger, startHealthServer } from '@airlock/runtime';
import { composeNotifier } from './compose.ts';

const config = loadNotifierConfig();
const logger = createLogger({ level: config.logLevel, service: 'notifier' });
const notifier = composeNotifier(config, logger);
const health = await startHealthServer(
  { ...config.health, service: 'notifier', checks: notifier.readiness },
  logger,
);
notifier.start();
logger.info(
  {
    queue: config.queues.webhookJobs,
    allowedCidrs: config.delivery.allowedCidrs,
    allowHttp: config.delivery.allowHttp,
    retryDelaysSeconds: config.delivery.retryDelaysSeconds,
    healthPort: health.port,
  },
  'notifier delivering',
);
bindShutdown(logger, [notifier.close, health.close]);
