import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadOpsConfig } from '@airlock/config';
import type { Upload } from '@airlock/core';
import { PgMessageFailures } from '@airlock/postgres';
import { dlqStats, ensureQueueWithDlq, type QueueUrls } from '@airlock/sqs';
import { toS3Notification } from '@airlock/dev-stack';
import { awsSampleEvent, StackClients, uniqueText, until } from '@airlock/testing';
import {
  listDeadLetterQueues,
  peekDeadLetterQueue,
  purgeDeadLetterQueue,
  replayDeadLetterQueue,
  uploadOfMessage,
} from '../../src/operations/dead-letters.ts';

// The DLQ operations called directly (no CLI), on a private queue pair of the
// SQS emulator and the stack's PostgreSQL. test/dlq.test.ts runs `airlock dlq`.
const stack = new StackClients();
const deps = { sqs: stack.sqs, pool: stack.pool };
let queues: QueueUrls;
let target: { queue: 'scan-jobs'; url: string; dlqUrl: string };
let upload: Upload;
let other: Upload;

/** Visible and in flight, as `airlock dlq list` counts them. */
const depth = async (url: string): Promise<number> => (await dlqStats(stack.sqs, url, 0)).depth;

/** A job about `about` on the DLQ, its failure recorded as the consumer records it. */
async function deadLetter(about: Upload, error: string): Promise<string> {
  const sent = await stack.sqs.send(
    new SendMessageCommand({
      QueueUrl: queues.dlqUrl,
      MessageBody: JSON.stringify({ type: 'scan.requested', uploadId: about.id }),
    }),
  );
  await new PgMessageFailures({ pool: stack.pool }).record({
    queue: 'scan-jobs',
    messageId: sent.MessageId!,
    receiveCount: 3,
    permanent: true,
    error,
  });
  return sent.MessageId!;
}

beforeAll(async () => {
  queues = await ensureQueueWithDlq(stack.sqs, {
    name: `test-ops-dead-letters-${randomUUID().slice(0, 8)}`,
    maxReceiveCount: 3,
    retentionSeconds: 3600,
    dlqRetentionSeconds: 7200,
    visibilityTimeoutSeconds: 30,
  });
  target = { queue: 'scan-jobs', ...queues };
  const tenant = await stack.tenant();
  const bucket = process.env.SANDBOX_BUCKET!;
  upload = await stack.stageVerified(bucket, tenant, uniqueText('dead letters'), 'text/plain');
  other = await stack.stageVerified(bucket, tenant, uniqueText('dead letters'), 'text/plain');
});

afterAll(async () => {
  for (const url of [queues.url, queues.dlqUrl])
    await stack.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
  await stack.close();
});

describe('uploadOfMessage', () => {
  it('names the upload of a job, an S3 notification (by its object) or nothing', async () => {
    expect(await uploadOfMessage('not json', stack.pool)).toEqual({
      uploadId: null,
      stage: 'unknown',
    });
    expect(
      await uploadOfMessage(
        JSON.stringify({ type: 'media.requested', uploadId: upload.id }),
        stack.pool,
      ),
    ).toEqual({ uploadId: upload.id, stage: 'media.requested' });
    expect(await uploadOfMessage(JSON.stringify({ deliveryId: randomUUID() }), stack.pool)).toEqual(
      { uploadId: null, stage: 'webhook.delivery' },
    );
    const notification = toS3Notification(
      {
        Records: [
          {
            eventTime: new Date().toISOString(),
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: upload.bucket },
              object: { key: upload.key, size: upload.declaredSize, sequencer: '0' },
            },
          },
        ],
      },
      { region: 'us-east-1', configurationId: 'test' },
    )!;
    expect(await uploadOfMessage(notification, stack.pool)).toEqual({
      uploadId: upload.id,
      stage: 's3.object-created',
    });
  });

  it('names the upload of an S3 event through SNS or from EventBridge (AWS samples)', async () => {
    const s3Event = awsSampleEvent('s3Event');
    const [record] = s3Event.Records as [{ s3: { bucket: object; object: object } }];
    record.s3.bucket = { name: upload.bucket };
    record.s3.object = { key: encodeURIComponent(upload.key), size: upload.declaredSize };
    const [sqsRecord] = awsSampleEvent('snsSqsEvent').Records as [{ body: string }];
    const snsEnveloped = { ...JSON.parse(sqsRecord.body), Message: JSON.stringify(s3Event) };
    const eventBridge = awsSampleEvent('s3EventBridgeNotificationObjectCreatedEvent');
    const detail = eventBridge.detail as { bucket: object; object: { key: string } };
    detail.bucket = { name: upload.bucket };
    detail.object.key = upload.key;
    for (const body of [snsEnveloped, eventBridge]) {
      expect(await uploadOfMessage(JSON.stringify(body), stack.pool)).toEqual({
        uploadId: upload.id,
        stage: 's3.object-created',
      });
    }
    expect(await uploadOfMessage(sqsRecord.body, stack.pool)).toEqual({
      uploadId: null,
      stage: 'unknown',
    });
  });
});

describe('the DLQ operations', () => {
  let mine: string;

  it('peek decodes each letter with its recorded failure and leaves it on the DLQ', async () => {
    mine = await deadLetter(upload, 'clamd: connection refused');
    await deadLetter(other, 'clamd: timeout');

    const peeked = await peekDeadLetterQueue(deps, target, 10);
    expect(peeked.find((letter) => letter.messageId === mine)).toEqual({
      messageId: mine,
      uploadId: upload.id,
      stage: 'scan.requested',
      receiveCount: 3,
      sourceQueue: null,
      permanent: true,
      firstFailedAt: expect.any(String),
      lastFailedAt: expect.any(String),
      lastError: 'clamd: connection refused',
      deadLetteredAt: expect.any(String),
      body: JSON.stringify({ type: 'scan.requested', uploadId: upload.id }),
    });
    expect(peeked.map((letter) => letter.uploadId).sort()).toEqual([upload.id, other.id].sort());
    expect(await depth(queues.dlqUrl)).toBe(2);
  });

  it('list gives every queue its DLQ depth', async () => {
    const config = loadOpsConfig();
    const rows = await listDeadLetterQueues(stack.sqs, (queue) =>
      queue === 'scan-jobs' ? queues.dlqUrl : config.dlqUrl(queue),
    );
    expect(rows.map((row) => row.queue)).toEqual([
      'upload-events',
      'scan-jobs',
      'media-jobs',
      'webhook-jobs',
    ]);
    expect(rows[1]).toEqual({
      queue: 'scan-jobs',
      dlqUrl: queues.dlqUrl,
      depth: 2,
      oldestAgeSeconds: expect.any(Number),
    });
  });

  it('replay of one upload moves only its letter back to the source queue, with progress', async () => {
    await until('both letters visible', async () =>
      (await depth(queues.dlqUrl)) === 2 ? true : undefined,
    );
    const progress: Array<[number, number]> = [];
    const result = await replayDeadLetterQueue(deps, target, { uploadId: upload.id }, (d, t) =>
      progress.push([d, t]),
    );
    expect(result.replayed).toBe(1);
    expect(progress).toEqual([
      [0, 1],
      [1, 1],
    ]);
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
      }),
    );
    expect(Messages.map((m) => JSON.parse(m.Body!).uploadId)).toEqual([upload.id]);
  });

  it('purge empties the DLQ only once confirmed, told its depth', async () => {
    await until('the other letter visible again', async () =>
      (await depth(queues.dlqUrl)) === 1 ? true : undefined,
    );
    const asked: number[] = [];
    expect(
      await purgeDeadLetterQueue(stack.sqs, queues.dlqUrl, async (n) => {
        asked.push(n);
        return false;
      }),
    ).toBeUndefined();
    expect(await depth(queues.dlqUrl)).toBe(1);
    expect(await purgeDeadLetterQueue(stack.sqs, queues.dlqUrl, async () => true)).toBe(1);
    expect(asked).toEqual([1]);
    await until('the DLQ to be empty', async () =>
      (await depth(queues.dlqUrl)) === 0 ? true : undefined,
    );
  });
});
