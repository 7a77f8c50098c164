export {
  awsEnv,
  bucketsEnv,
  databaseEnv,
  loggingEnv,
  toAwsConfig,
  type AwsConfig,
} from './common.config.ts';
export { ConfigError, envBoolean, envInt, parseEnv } from './parse-env.ts';
export { loadUploadApiConfig, type UploadApiConfig } from './upload-api.config.ts';
export { loadVerifierConfig, type VerifierConfig } from './verifier.config.ts';
export {
  consumerEnv,
  toConsumerConfig,
  toHealthConfig,
  type ConsumerConfig,
  type HealthConfig,
  type WorkerConfig,
} from './worker.config.ts';
export { loadScannerConfig, type ScannerConfig } from './scanner.config.ts';
export {
  loadMediaConfig,
  type MediaConfig,
  type MediaFailurePolicy,
  type MediaRendition,
} from './media.config.ts';
export { loadNotifierConfig, type NotifierConfig } from './notifier.config.ts';
export {
  loadOpsConfig,
  OPS_QUEUES,
  parseMetricsTarget,
  type MetricsTarget,
  type OpsConfig,
  type OpsQueue,
} from './ops.config.ts';
export { type RetentionSettings } from './retention.config.ts';
export { localStackEnv, localStackHome, localStackStateFile } from './local-stack.ts';
