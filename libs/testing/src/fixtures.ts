import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { UploadState } from '@airlock/core';
import { toS3Notification } from '@airlock/dev-stack';
import type { PgUploadRepository } from '@airlock/postgres';
import { ensureQueueWithDlq, type QueueUrls } from '@airlock/sqs';

export const TERMINAL_FOR_VERIFIER: readonly UploadState[] = [
  'verified',
  'rejected',
  'clean',
  'ready',
  'quarantined',
];

/** Polls until the upload reaches one of `states`; fails with the state it is stuck in. */
export async function waitForState(
  uploads: Pick<PgUploadRepository, 'findWithHistory'>,
  uploadId: string,
  states: readonly UploadState[] = TERMINAL_FOR_VERIFIER,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await uploads.findWithHistory(uploadId);
    if (found && states.includes(found.upload.state)) return found;
    if (Date.now() > deadline)
      throw new Error(`upload ${uploadId} still ${found?.upload.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Queues of a test's own, each with its DLQ, named `test-<name>-<random>`: the
 * workers it starts on them never compete with the stack's. `remove()` deletes them.
 */
export async function testQueues<Name extends string>(
  sqs: SQSClient,
  names: readonly Name[],
  maxReceiveCount = 3,
): Promise<{ queues: Record<Name, QueueUrls>; remove(): Promise<void> }> {
  const suffix = randomUUID().slice(0, 8);
  const queues = {} as Record<Name, QueueUrls>;
  for (const name of names) {
    queues[name] = await ensureQueueWithDlq(sqs, {
      name: `test-${name}-${suffix}`,
      maxReceiveCount,
      retentionSeconds: 3600,
      dlqRetentionSeconds: 7200,
      visibilityTimeoutSeconds: 30,
    });
  }
  return {
    queues,
    async remove() {
      for (const { url, dlqUrl } of Object.values<QueueUrls>(queues)) {
        for (const queueUrl of [url, dlqUrl])
          await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
      }
    },
  };
}

/** Private queues for one test file, so its verifier never competes with the stack's. */
export async function privateQueues(sqs: SQSClient, maxReceiveCount = 3) {
  const { queues, remove } = await testQueues(sqs, ['events', 'scans'], maxReceiveCount);
  const { events, scans } = queues;
  return {
    events,
    scans,
    env: {
      UPLOAD_EVENTS_QUEUE_URL: events.url,
      UPLOAD_EVENTS_DLQ_URL: events.dlqUrl,
      SCAN_JOBS_QUEUE_URL: scans.url,
    },
    remove,
  };
}

/** Sends the notification S3 would send for this object (the dev stack's own encoder). */
export async function notifyObjectCreated(
  sqs: SQSClient,
  queue: QueueUrls,
  object: { bucket: string; key: string; size: number },
): Promise<{ body: string; messageId: string }> {
  const body = toS3Notification(
    {
      Records: [
        {
          eventTime: new Date().toISOString(),
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: object.bucket },
            object: { key: object.key, size: object.size, sequencer: '0' },
          },
        },
      ],
    },
    { region: process.env.AWS_REGION ?? 'us-east-1', configurationId: 'test' },
  )!;
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
  return { body, messageId: sent.MessageId! };
}

/** Every message a queue holds: waiting, in flight and delayed (SQS's approximate counts). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, count) => sum + Number(count ?? 0), 0);
}

/** Drains a queue for `windowMs` and returns every body received (deleting nothing). */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  windowMs: number,
): Promise<string[]> {
  const bodies: string[] = [];
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A minimal Windows executable header: what a renamed .exe starts with. */
export function fakeExecutable(): Buffer {
  const bytes = Buffer.alloc(512, 0);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  bytes.writeUInt16LE(0x014c, 0x84);
  randomBytes(64).copy(bytes, 0x100);
  return bytes;
}

/** The standard EICAR test string: every scanner's "infected" on purpose. */
export const EICAR = [
  'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR',
  'STANDARD-ANTIVIRUS-TEST-FILE!$H+H*',
].join('-');
