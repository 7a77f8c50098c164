import { Duration, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const QUEUE_NAMES = ['upload-events', 'scan-jobs', 'media-jobs', 'webhook-jobs'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type PipelineQueue = { readonly queue: sqs.Queue; readonly dlq: sqs.Queue };

/** The same shape as the local stack's queues (libs/sqs `ensureQueueWithDlq`). */
export const QUEUE_RETENTION = Duration.days(4);
export const DLQ_RETENTION = Duration.days(14);
/**
 * libs/sqs DEFAULT_VISIBILITY_TIMEOUT_SECONDS: a killed worker's messages are
 * back within 10 s, since the heartbeat (every 3 s) extends those in hand.
 */
export const QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(10);

/**
 * Each pipeline queue with its dead-letter queue: encrypted (SSE-SQS, which S3
 * notifications can write to), TLS only, and a DLQ that keeps a dead letter
 * well past the source's retention so an operator can still replay it.
 */
export class Queues extends Construct {
  readonly byName: Readonly<Record<QueueName, PipelineQueue>>;

  constructor(scope: Construct, id: string, settings: { maxReceiveCount: number }) {
    super(scope, id);
    const prefix = Stack.of(this).stackName;
    const byName = {} as Record<QueueName, PipelineQueue>;
    for (const name of QUEUE_NAMES) {
      const dlq = new sqs.Queue(this, `${name}-dlq`, {
        queueName: `${prefix}-${name}-dlq`,
        retentionPeriod: DLQ_RETENTION,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new sqs.Queue(this, name, {
        queueName: `${prefix}-${name}`,
        retentionPeriod: QUEUE_RETENTION,
        // The consumers set their own visibility per receive (WORKER_VISIBILITY_TIMEOUT_SECONDS)
        // and extend it while working; the queue's default is the same short one.
        visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: dlq, maxReceiveCount: settings.maxReceiveCount },
      });
      byName[name] = { queue, dlq };
    }
    this.byName = byName;
  }

  get all(): PipelineQueue[] {
    return QUEUE_NAMES.map((name) => this.byName[name]);
  }
}
