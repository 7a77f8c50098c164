import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export type QueueSpec = {
  readonly name: string;
  /** Receives before a message moves to the DLQ. @defaultValue 5 */
  readonly maxReceiveCount: number;
  /** @defaultValue 345600 (4 days) */
  readonly retentionSeconds: number;
  /** Longer than the source's, so a dead letter outlives its original. @defaultValue 1209600 (14 days) */
  readonly dlqRetentionSeconds: number;
  /** @defaultValue 60 */
  readonly visibilityTimeoutSeconds: number;
};

export type QueueUrls = { readonly url: string; readonly dlqUrl: string };

export const dlqName = (queue: string): string => `${queue}-dlq`;

/**
 * Creates (or converges) a queue and its dead-letter queue. Infrastructure
 * code does this in production; the local stack and tests call it directly.
 */
export async function ensureQueueWithDlq(sqs: SQSClient, spec: QueueSpec): Promise<QueueUrls> {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: dlqName(spec.name),
      Attributes: { MessageRetentionPeriod: String(spec.dlqRetentionSeconds) },
    }),
  );
  const dlqUrl = dlq.QueueUrl!;
  const dlqArn = await queueArn(sqs, dlqUrl);
  const attributes = {
    MessageRetentionPeriod: String(spec.retentionSeconds),
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: spec.maxReceiveCount,
    }),
  };
  const source = await sqs.send(new CreateQueueCommand({ QueueName: spec.name }));
  const url = source.QueueUrl!;
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  return { url, dlqUrl };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes!.QueueArn!;
}
