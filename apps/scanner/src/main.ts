import { loadScannerConfig } from '@airlock/config';
import { bindShutdown, createLogger, startHealthServer } from '@airlock/runtime';
import { composeScanner } from './compose.ts';

const config = loadScannerConfig();
const logger = createLogger({ level: config.logLevel, service: 'scanner' });
const scanner = composeScanner(config, logger);
const health = await startHealthServer(
  { ...config.health, service: 'scanner', checks: scanner.readiness },
  logger,
);
scanner.start();
logger.info(
  {
    queue: config.queues.scanJobs,
    clamd: `${config.clamd.host}:${config.clamd.port}`,
    healthPort: health.port,
  },
  'scanner consuming',
);
bindShutdown(logger, [scanner.close, health.close]);
