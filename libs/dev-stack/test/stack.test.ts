import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { createS3Client, S3UploadUrlSigner } from '@airlock/s3';
import { createSqsClient, ensureQueueWithDlq, queueArn, type QueueUrls } from '@airlock/sqs';
import { awaitS3Notification, decodeS3EventKey } from '../src/await-notification.ts';
import { clamdCommand } from '../src/clamd.ts';
import { encodeS3EventKey, s3TestEvent } from '../src/s3-event-envelope.ts';
import { stackSettings } from '../src/stack-settings.ts';
import { status, up } from '../src/stack.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup should have set it`);
  return value;
};

const region = env('AWS_REGION');
const sqs = createSqsClient({ region, endpoint: process.env.SQS_ENDPOINT });
const s3 = createS3Client({ region, endpoint: process.env.S3_ENDPOINT, forcePathStyle: true });

afterAll(() => {
  sqs.destroy();
  s3.destroy();
});

async function attributes(queueUrl: string): Promise<Record<string, string>> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return Attributes ?? {};
}

describe('up()', () => {
  it('is idempotent: same environment, same processes', async () => {
    const stateFile = stackSettings().stateFile;
    const state = readFileSync(stateFile, 'utf8');
    const before = status();
    // One of each app, or `verifier-1` … and a balancer in front of the APIs with replicas.
    const copies = (app: string) =>
      before.replicas === 1
        ? [app]
        : Array.from({ length: before.replicas }, (_, at) => `${app}-${at + 1}`);
    expect(before.services.map((s) => s.name)).toEqual([
      'emulators',
      'clamd',
      ...(before.replicas > 1 ? ['api-balancer'] : []),
      ...['upload-api', 'verifier', 'scanner', 'media', 'notifier'].flatMap(copies),
      'web',
    ]);
    expect(before.services.every((s) => s.running && s.pid !== undefined)).toBe(true);

    const again = await up();

    const fromSetup = Object.fromEntries(Object.keys(again).map((key) => [key, process.env[key]]));
    expect(again).toEqual(fromSetup);
    expect(again).toEqual(before.env);
    const after = status();
    expect(after.services).toEqual(before.services);
    expect(after.env).toEqual(again);
    // Called with the stack's own DATABASE_URL in the environment (as here, or
    // after `eval "$(airlock dev status --env)"`), it still owns its cluster.
    expect(readFileSync(stateFile, 'utf8')).toBe(state);
  });
});

describe('the stack clamd', () => {
  it('answers on loopback with the repo signatures and the limits it exports', async () => {
    const host = env('CLAMD_HOST');
    const port = Number(env('CLAMD_PORT'));
    expect(host).toBe('127.0.0.1');
    expect(await clamdCommand(host, port, 'PING')).toBe('PONG');
    expect(await clamdCommand(host, port, 'VERSION')).toMatch(/^ClamAV \d+\.\d+\.\d+$/);

    const settings = stackSettings();
    const conf = readFileSync(join(settings.clamav.dir, 'clamd.conf'), 'utf8');
    const option = (name: string) => new RegExp(`^${name} (.+)$`, 'm').exec(conf)?.[1];
    expect(option('TCPAddr')).toBe('127.0.0.1');
    expect(option('TCPSocket')).toBe(String(port));
    expect(option('AlertExceedsMax')).toBe('yes');
    // Image fuzzy hashing is on unless the stack was told otherwise (issue 16, target 4).
    expect(option('ScanImageFuzzyHash')).toBe(settings.clamav.imageFuzzyHash ? 'yes' : 'no');
    // Encrypted documents and archives are reported, never OK (issue 12, finding 1).
    for (const alert of ['AlertEncrypted', 'AlertEncryptedArchive', 'AlertEncryptedDoc'])
      expect(option(alert)).toBe('yes');
    expect(option('MaxFileSize')).toBe(env('CLAMD_MAX_FILE_SIZE_BYTES'));
    expect(option('MaxScanSize')).toBe(env('CLAMD_MAX_SCAN_SIZE_BYTES'));
    expect(option('StreamMaxLength')).toBe(env('CLAMD_STREAM_MAX_LENGTH_BYTES'));
    expect(Number(env('SCAN_MAX_BYTES'))).toBe(
      Math.min(
        Number(env('CLAMD_MAX_FILE_SIZE_BYTES')),
        Number(env('CLAMD_STREAM_MAX_LENGTH_BYTES')),
      ),
    );
    expect(readdirSync(join(settings.clamav.dir, 'db')).sort()).toEqual(
      readdirSync(settings.clamav.signatures)
        .filter((name) => !name.endsWith('.md'))
        .sort(),
    );
  });
});

describe('the stack queues', () => {
  it.each(['UPLOAD_EVENTS', 'SCAN_JOBS', 'MEDIA_JOBS'])(
    '%s redrives to its DLQ at maxReceiveCount 5, the DLQ keeping messages longer',
    async (name) => {
      const source = await attributes(env(`${name}_QUEUE_URL`));
      const dlqUrl = env(`${name}_DLQ_URL`);
      const dlq = await attributes(dlqUrl);

      const redrive = JSON.parse(source.RedrivePolicy ?? '{}') as Record<string, unknown>;
      expect(redrive.deadLetterTargetArn).toBe(await queueArn(sqs, dlqUrl));
      expect(redrive.deadLetterTargetArn).toBe(dlq.QueueArn);
      expect(Number(redrive.maxReceiveCount)).toBe(5);
      expect(Number(dlq.MessageRetentionPeriod)).toBeGreaterThan(
        Number(source.MessageRetentionPeriod),
      );
    },
  );
});

describe('redrive on the SQS emulator', () => {
  let queues: QueueUrls | undefined;

  afterAll(async () => {
    if (!queues) return;
    for (const url of [queues.url, queues.dlqUrl])
      await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  it('moves a message received maxReceiveCount times and never deleted to the DLQ', async () => {
    const name = `test-redrive-${randomUUID().slice(0, 8)}`;
    queues = await ensureQueueWithDlq(sqs, {
      name,
      maxReceiveCount: 2,
      retentionSeconds: 3600,
      dlqRetentionSeconds: 7200,
      visibilityTimeoutSeconds: 1,
    });
    const body = `poison ${randomUUID()}`;
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queues.url, MessageBody: body }),
    );

    // Receive without deleting, making it visible again at once, until the
    // source has nothing left to give; count the deliveries on the way.
    const receiveCounts: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.url,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (Messages.length === 0) break;
      expect(Messages.map((m) => m.MessageId)).toEqual([sent.MessageId]);
      receiveCounts.push(Number(Messages[0]!.Attributes?.ApproximateReceiveCount));
    }
    expect(receiveCounts).toEqual([1, 2]);

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.dlqUrl, WaitTimeSeconds: 5 }),
    );
    expect(Messages.map((m) => [m.MessageId, m.Body])).toEqual([[sent.MessageId, body]]);
    expect(Number((await attributes(queues.url)).ApproximateNumberOfMessages)).toBe(0);
  });
});

describe('awaitS3Notification on a queue others use too', () => {
  let queues: QueueUrls | undefined;

  afterAll(async () => {
    if (!queues) return;
    for (const url of [queues.url, queues.dlqUrl])
      await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  const notificationFor = (key: string) =>
    JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: 'uploads' },
            object: { key: encodeS3EventKey(key), size: 1, sequencer: '01' },
          },
        },
      ],
    });

  it('receives other messages once per call and leaves them on the queue, never redriven', async () => {
    queues = await ensureQueueWithDlq(sqs, {
      name: `test-await-${randomUUID().slice(0, 8)}`,
      maxReceiveCount: 3,
      retentionSeconds: 3600,
      dlqRetentionSeconds: 7200,
      visibilityTimeoutSeconds: 30,
    });
    const others = [notificationFor('someone/else.txt'), s3TestEvent('uploads')];
    for (const body of others)
      await sqs.send(new SendMessageCommand({ QueueUrl: queues.url, MessageBody: body }));
    const mine = `mine/${randomUUID()}/a b.txt`;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queues.url, MessageBody: notificationFor(mine) }),
    );

    const found = await awaitS3Notification(sqs, queues.url, mine, {
      timeoutMs: 5000,
      consume: true,
    });
    expect(decodeS3EventKey(found.record.s3.object.key)).toBe(mine);
    await expect(
      awaitS3Notification(sqs, queues.url, 'never/sent.txt', { timeoutMs: 2000, consume: true }),
    ).rejects.toThrow('No S3 notification for never/sent.txt');

    // One receive per call, and this one the third: still on the source queue.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(Messages.map((m) => m.Body).sort()).toEqual([...others].sort());
    expect(Messages.map((m) => Number(m.Attributes?.ApproximateReceiveCount))).toEqual([3, 3]);
    expect(Number((await attributes(queues.dlqUrl)).ApproximateNumberOfMessages)).toBe(0);
  });
});

// On the sandbox bucket and its own queue: upload-events belongs to the
// running verifier, which would take these events first.
describe('S3 → SQS notifications', () => {
  const sandboxEvents = env('SANDBOX_EVENTS_QUEUE_URL');

  it('delivers a presigned PUT as an ObjectCreated event with a form-encoded key', async () => {
    const bucket = env('SANDBOX_BUCKET');
    const key = `dev-stack-test/${randomUUID()}/my file (1).txt`;
    const bytes = Buffer.from(`hello ${randomUUID()}\n`);
    const presigned = await new S3UploadUrlSigner({ s3 }).presignPut({
      bucket,
      key,
      contentType: 'text/plain',
      contentLength: bytes.length,
      sha256Hex: createHash('sha256').update(bytes).digest('hex'),
      expiresInSeconds: 60,
    });
    const put = await fetch(presigned.url, {
      method: presigned.method,
      headers: presigned.headers,
      body: bytes,
    });
    expect(put.status).toBe(200);

    const { record } = await awaitS3Notification(sqs, sandboxEvents, key, {
      timeoutMs: 15_000,
      consume: true,
    });
    const raw = record.s3.object.key;
    expect(raw).toContain('+');
    expect(raw).toContain('%28');
    expect(raw).toContain('%29');
    expect(raw).not.toMatch(/[ ()]/);
    expect(decodeS3EventKey(raw)).toBe(key);
    expect(record.eventName).toBe('ObjectCreated:Put');
    expect(record.s3.bucket.name).toBe(bucket);
    expect(record.s3.object.size).toBe(bytes.length);
  });

  it('sends nothing for an object put into a bucket without notifications (quarantine)', async () => {
    const key = `dev-stack-test/${randomUUID()}/quarantined.txt`;
    await s3.send(
      new PutObjectCommand({ Bucket: env('QUARANTINE_BUCKET'), Key: key, Body: 'held back' }),
    );
    // A PUT into the sandbox made after it does arrive: the bridge is working.
    const control = `dev-stack-test/${randomUUID()}/control.txt`;
    await s3.send(new PutObjectCommand({ Bucket: env('SANDBOX_BUCKET'), Key: control, Body: 'x' }));
    await awaitS3Notification(sqs, sandboxEvents, control, { timeoutMs: 15_000, consume: true });

    await expect(
      awaitS3Notification(sqs, sandboxEvents, key, { timeoutMs: 3000, consume: true }),
    ).rejects.toThrow(`No S3 notification for ${key}`);
  });
});
