export { createLogger, type Logger, type LoggingSettings } from './logger.ts';
export { bindShutdown, memoizedClose, runInOrder, type CloseStep } from './shutdown.ts';
export {
  runReadinessChecks,
  startHealthServer,
  type HealthServer,
  type Readiness,
  type ReadinessCheck,
} from './health-server.ts';
export { samplerFromEnv, startTracing, type Tracing } from './tracing.ts';
export { PromPipelineMetrics } from './pipeline-metrics.prom.ts';
