import { loadMediaConfig } from '@airlock/config';
import { bindShutdown, createLogger, startHealthServer } from '@airlock/runtime';
import { composeMedia } from './compose.ts';

const config = loadMediaConfig();
const logger = createLogger({ level: config.logLevel, service: 'media' });
const media = composeMedia(config, logger);
const health = await startHealthServer(
  { ...config.health, service: 'media', checks: media.readiness },
  logger,
);
media.start();
logger.info(
  {
    queue: config.queues.mediaJobs,
    processedBucket: config.buckets.processed,
    renditions: config.renditions.map((rendition) => rendition.name),
    failurePolicy: config.failurePolicy,
    healthPort: health.port,
  },
  'media consuming',
);
bindShutdown(logger, [media.close, health.close]);
