export {
  dlqName,
  ensureQueueWithDlq,
  queueArn,
  type QueueSpec,
  type QueueUrls,
} from './queue-topology.ts';
export { createSqsClient, type SqsSettings } from './sqs-client.ts';
