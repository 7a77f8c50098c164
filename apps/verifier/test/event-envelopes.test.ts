import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadVerifierConfig } from '@airlock/config';
import { PgMessageFailures } from '@airlock/postgres';
import { createLogger } from '@airlock/runtime';
import {
  awsSampleEvent,
  privateQueues,
  putPresigned,
  receiveAll,
  StackClients,
  uniqueText,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { composeVerifier } from '../src/compose.ts';

// The envelopes an S3 event reaches upload-events in, each AWS's own sample
// (libs/testing/fixtures/aws-events) with its bucket, key and size adapted to
// a real upload in the sandbox bucket (which sends no notifications itself),
// read by an in-process verifier on queues of its own.
const stack = new StackClients();
const failures = new PgMessageFailures({ pool: stack.pool });
const sandbox = process.env.SANDBOX_BUCKET!;
const silent = createLogger({ level: 'silent', service: 'test' });
let tenant: Tenant;
let queues: Awaited<ReturnType<typeof privateQueues>>;
let verifier: ReturnType<typeof composeVerifier>;

beforeAll(async () => {
  tenant = await stack.tenant();
  queues = await privateQueues(stack.sqs, 3);
  const config = loadVerifierConfig({
    ...process.env,
    ...queues.env,
    UPLOADS_BUCKET: sandbox,
    WORKER_WAIT_TIME_SECONDS: '1',
  });
  verifier = composeVerifier(config, silent);
  verifier.start();
});
afterAll(async () => {
  await verifier.close();
  await queues.remove();
  await stack.close();
});

type StoredObject = { bucket: string; key: string; size: number };

async function uploadToSandbox() {
  const file = uniqueText('envelope');
  const result = await stack.requestUploadWith({ bucket: sandbox }, tenant, file, 'text/plain');
  if (result.outcome !== 'upload') throw new Error('expected a new upload');
  expect(await putPresigned(result.presigned, file.bytes)).toBe(200);
  const object: StoredObject = { bucket: sandbox, key: result.upload.key, size: file.size };
  return { upload: result.upload, object };
}

async function send(body: string): Promise<string> {
  const sent = await stack.sqs.send(
    new SendMessageCommand({ QueueUrl: queues.events.url, MessageBody: body }),
  );
  return sent.MessageId!;
}

/** The sample S3 notification, about `object` (its key form-encoded, as S3 sends it). */
function s3Notification(object: StoredObject, sample = awsSampleEvent('s3Event')) {
  const [record] = sample.Records as [{ s3: { bucket: { name: string }; object: object } }];
  record.s3.bucket.name = object.bucket;
  record.s3.object = {
    ...record.s3.object,
    key: encodeURIComponent(object.key).replaceAll('%20', '+'),
    size: object.size,
  };
  return sample;
}

/** The SQS body of a sample Lambda SQS event. */
function sqsBodyOf(name: 'snsSqsEvent' | 's3SqsEvent'): Record<string, unknown> {
  const [record] = awsSampleEvent(name).Records as [{ body: string }];
  return JSON.parse(record.body) as Record<string, unknown>;
}

function eventBridge(
  name:
    's3EventBridgeNotificationObjectCreatedEvent' | 's3EventBridgeNotificationObjectDeletedEvent',
  object: StoredObject,
) {
  const event = awsSampleEvent(name);
  const detail = event.detail as { bucket: { name: string }; object: Record<string, unknown> };
  detail.bucket.name = object.bucket;
  detail.object.key = object.key;
  if ('size' in detail.object) detail.object.size = object.size;
  return event;
}

const envelopes: Array<[string, (object: StoredObject) => unknown]> = [
  ['direct S3 → SQS', (object) => s3Notification(object)],
  ['SNS, raw message delivery', (object) => s3Notification(object, sqsBodyOf('s3SqsEvent'))],
  [
    'SNS, enveloped',
    (object) => ({ ...sqsBodyOf('snsSqsEvent'), Message: JSON.stringify(s3Notification(object)) }),
  ],
  [
    'EventBridge Object Created',
    (object) => eventBridge('s3EventBridgeNotificationObjectCreatedEvent', object),
  ],
];

describe('S3 events in every envelope reach the verifier', () => {
  it.each(envelopes)('%s: the upload is verified', async (_label, envelope) => {
    const { upload, object } = await uploadToSandbox();
    await send(JSON.stringify(envelope(object)));
    await waitForState(stack.uploads, upload.id, ['verified']);
  });
});

describe('other messages on upload-events are dead-lettered with their reason', () => {
  async function deadLetterReason(body: string): Promise<string> {
    const messageId = await send(body);
    const dead = await until('the dead letter', async () => {
      const letters = await receiveAll(stack.sqs, queues.events.dlqUrl, 1);
      return letters.find((letter) => letter === body);
    });
    expect(dead).toBe(body);
    const recorded = await until('the failure record', () =>
      failures.find('upload-events', messageId),
    );
    expect(recorded).toMatchObject({ receiveCount: 1, permanent: true });
    return recorded.error;
  }

  it('an EventBridge Object Deleted event, its detail-type named', async () => {
    const { upload, object } = await uploadToSandbox();
    const body = JSON.stringify(eventBridge('s3EventBridgeNotificationObjectDeletedEvent', object));
    const reason = await deadLetterReason(body);
    expect(reason).toContain('invalid_message');
    expect(reason).toContain('EventBridge detail-type Object Deleted is not handled');
    expect((await stack.uploads.find(upload.id))?.state).toBe('pending');
  });

  it('an SNS notification that carries no S3 event', async () => {
    const body = JSON.stringify(sqsBodyOf('snsSqsEvent'));
    const reason = await deadLetterReason(body);
    expect(reason).toContain('invalid_message');
    expect(reason).toContain('does not carry an S3 event notification');
  });
});
