export { createLogger, type Logger, type LoggingSettings } from './logger.ts';
export { bindShutdown, memoizedClose, runInOrder, type CloseStep } from './shutdown.ts';
export {
  runReadinessChecks,
  startHealthServer,
  type HealthServer,
  type Readiness,
  type ReadinessCheck,
} from './health-server.ts';
