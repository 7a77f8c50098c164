import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Resolves when the queue answers with our credentials. */
export async function probeQueue(
  sqs: SQSClient,
  queueUrl: string,
  timeoutMs = 2000,
): Promise<void> {
  await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    { abortSignal: AbortSignal.timeout(timeoutMs) },
  );
}
