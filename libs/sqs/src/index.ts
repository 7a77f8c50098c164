export {
  dlqStats,
  peekDeadLetters,
  purgeQueue,
  replayDeadLetters,
  type DeadLetter,
  type DlqStats,
  type ReplayOptions,
  type ReplayResult,
} from './dead-letters.ts';
export { SqsMessagePublisher } from './message-publisher.ts';
export {
  DEFAULT_DELETE_LINGER_MS,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  QueueConsumer,
  type FailureRecord,
  type QueueConsumerDependencies,
  type QueueConsumerOptions,
} from './queue-consumer.ts';
export { probeQueue } from './queue-probe.ts';
export { queueDepth, type QueueDepth } from './queue-depth.ts';
export {
  ConsumerMetrics,
  failureOutcome,
  maxReceiveCountOf,
  registered,
  type ConsumerOutcome,
} from './consumer-metrics.ts';
export {
  dlqName,
  ensureQueueWithDlq,
  queueArn,
  type QueueSpec,
  type QueueUrls,
} from './queue-topology.ts';
export { createSqsClient, type SqsSettings } from './sqs-client.ts';
