import { loadVerifierConfig } from '@airlock/config';
import { bindShutdown, createLogger, startHealthServer } from '@airlock/runtime';
import { composeVerifier } from './compose.ts';

const config = loadVerifierConfig();
const logger = createLogger({ level: config.logLevel, service: 'verifier' });
const verifier = composeVerifier(config, logger);
const health = await startHealthServer(
  { ...config.health, service: 'verifier', checks: verifier.readiness },
  logger,
);
verifier.start();
logger.info({ queue: config.queues.uploadEvents, healthPort: health.port }, 'verifier consuming');
bindShutdown(logger, [verifier.close, health.close]);
