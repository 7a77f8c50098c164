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
 * Receives from `queueUrl` until an S3 notification for `key` arrives; the
 * match is deleted or released as asked. Other messages are held invisible
 * until the call ends and only then released for their owners: released at
 * once they would come straight back, and every receive counts towards their
 * redrive to the DLQ.
 */
export async function awaitS3Notification(
  sqs: SQSClient,
  queueUrl: string,
  key: string,
  options: { timeoutMs: number; consume: boolean },
): Promise<{ body: string; record: S3NotificationRecord }> {
  const deadline = Date.now() + options.timeoutMs;
  const held: string[] = [];
  try {
    while (Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: Math.ceil((deadline - Date.now()) / 1000) + 1,
        }),
      );
      let found: { body: string; record: S3NotificationRecord } | undefined;
      for (const message of Messages) {
        const body = message.Body ?? '';
        const record = found
          ? undefined
          : parseRecords(body).find((r) => decodeS3EventKey(r.s3.object.key) === key);
        if (record) found = { body, record };
        if (record && options.consume) {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        } else if (message.ReceiptHandle) {
          held.push(message.ReceiptHandle);
        }
      }
      if (found) return found;
    }
    throw new Error(`No S3 notification for ${key} on ${queueUrl} within ${options.timeoutMs} ms`);
  } finally {
    await Promise.allSettled(
      held.map((handle) =>
        sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          }),
        ),
      ),
    );
  }
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
