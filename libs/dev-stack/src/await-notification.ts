import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export type S3NotificationRecord = {
  eventName: string;
  s3: {
    bucket: { name: string };
    object: { key: string; size: number; eTag?: string; sequencer: string };
  };
};

/**
 * Receives from `queueUrl` until an S3 notification for `key` arrives. Other
 * messages go straight back to the queue (visibility 0) for their owners; the
 * match is deleted or released as asked.
 */
export async function awaitS3Notification(
  sqs: SQSClient,
  queueUrl: string,
  key: string,
  options: { timeoutMs: number; consume: boolean },
): Promise<{ body: string; record: S3NotificationRecord }> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 5,
      }),
    );
    let found: { body: string; record: S3NotificationRecord } | undefined;
    for (const message of Messages) {
      const body = message.Body ?? '';
      const record = parseRecords(body).find((r) => decodeS3EventKey(r.s3.object.key) === key);
      const mine = record !== undefined && found === undefined;
      if (mine) found = { body, record };
      if (mine && options.consume) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      } else {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
    }
    if (found) return found;
  }
  throw new Error(`No S3 notification for ${key} on ${queueUrl} within ${options.timeoutMs} ms`);
}

function parseRecords(body: string): S3NotificationRecord[] {
  try {
    const parsed = JSON.parse(body) as { Records?: S3NotificationRecord[] };
    return parsed.Records ?? [];
  } catch {
    return [];
  }
}

/** Keys in S3 notifications are form-encoded: `+` is a space. */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replaceAll('+', ' '));
}
