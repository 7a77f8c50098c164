import { randomUUID } from 'node:crypto';
import {
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { scanRequested, type Upload } from '@airlock/core';
import { PgMessageFailures } from '@airlock/postgres';
import { ensureQueueWithDlq, type QueueUrls } from '@airlock/sqs';
import {
  airlockJson,
  notifyObjectCreated,
  queueDepth,
  receiveAll,
  StackClients,
  uniqueText,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { airlock } from './support/run-cli.ts';

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

type Peeked = {
  messageId: string;
  uploadId: string | null;
  stage: string;
  receiveCount: number;
  firstFailedAt: string | null;
  lastFailedAt: string | null;
  lastError: string | null;
};

describe('airlock dlq', () => {
  const stack = new StackClients();
  const failures = new PgMessageFailures({ pool: stack.pool });
  let queues: QueueUrls;
  let tenant: Tenant;
  let upload: Upload;
  let other: Upload;
  let overrides: string[];

  const depth = (url: string) => queueDepth(stack.sqs, url);

  /** A scan job dead-lettered as the consumer does it, with its failure recorded. */
  async function deadLetter(target: Upload, error: string): Promise<string> {
    const job = scanRequested(target, { producedBy: 'test' });
    const sent = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.dlqUrl,
        MessageBody: JSON.stringify(job),
        MessageAttributes: {
          'airlock-source-queue': text('scan-jobs'),
          'airlock-error': text(error),
          'airlock-failed-at': text(new Date().toISOString()),
          'airlock-receive-count': { DataType: 'Number', StringValue: '3' },
          'airlock-permanent': text('true'),
        },
      }),
    );
    await failures.record({
      queue: 'scan-jobs',
      messageId: sent.MessageId!,
      receiveCount: 3,
      permanent: true,
      error,
    });
    return sent.MessageId!;
  }

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    queues = await ensureQueueWithDlq(stack.sqs, {
      name: `test-ops-dlq-${suffix}`,
      maxReceiveCount: 3,
      retentionSeconds: 3600,
      dlqRetentionSeconds: 7200,
      visibilityTimeoutSeconds: 30,
    });
    overrides = ['--queue-url', queues.url, '--dlq-url', queues.dlqUrl];
    tenant = await stack.tenant();
    // The sandbox bucket has no workers behind it: the uploads stay as staged.
    const bucket = process.env.SANDBOX_BUCKET!;
    upload = await stack.stageVerified(bucket, tenant, uniqueText('dlq'), 'text/plain');
    other = await stack.stageVerified(bucket, tenant, uniqueText('dlq other'), 'text/plain');
  });

  afterAll(async () => {
    for (const url of [queues.url, queues.dlqUrl]) {
      await stack.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
    }
    await stack.close();
  });

  it('--help documents the queue URL overrides', async () => {
    const run = await airlock('dlq', 'peek', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--queue-url <url>');
    expect(run.stdout).toContain('--dlq-url <url>');
  });

  it('peek decodes upload id, receive count, failure times and the last error', async () => {
    const messageId = await deadLetter(upload, 'clamd: connection refused');
    await deadLetter(other, 'clamd: timeout');

    const peeked = await airlockJson<Peeked[]>('dlq', 'peek', 'scan-jobs', ...overrides);
    const mine = peeked.find((p) => p.messageId === messageId);
    expect(mine).toMatchObject({
      uploadId: upload.id,
      stage: 'scan.requested',
      receiveCount: 3,
      lastError: 'clamd: connection refused',
      firstFailedAt: expect.any(String),
      lastFailedAt: expect.any(String),
    });
    expect(peeked.map((p) => p.uploadId)).toContain(other.id);

    const human = await airlock('dlq', 'peek', 'scan-jobs', ...overrides);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(upload.id);
    expect(human.stdout).toContain('clamd: connection refused');
    // Peeking leaves them where they were.
    expect(await depth(queues.dlqUrl)).toBe(2);
  });

  it('replay --upload moves only that message to the source queue', async () => {
    const run = await airlock('dlq', 'replay', 'scan-jobs', '--upload', upload.id, ...overrides);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1 message replayed to scan-jobs\n');

    const { Messages: arrived = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(arrived).toHaveLength(1);
    expect(JSON.parse(arrived[0]!.Body!)).toMatchObject({ uploadId: upload.id });
    // The dead-letter bookkeeping stays behind: the source sees the original message.
    expect(Object.keys(arrived[0]!.MessageAttributes ?? {})).toEqual([]);
    expect(await receiveAll(stack.sqs, queues.url, 1500)).toEqual([]);

    await until('the other message to be visible again', async () =>
      (await depth(queues.dlqUrl)) === 1 ? true : undefined,
    );
    const left = await airlockJson<Peeked[]>('dlq', 'peek', 'scan-jobs', ...overrides);
    expect(left.map((p) => p.uploadId)).toEqual([other.id]);
  });

  it('purge refuses without --yes when stdin is not a terminal', async () => {
    const run = await airlock('dlq', 'purge', 'scan-jobs', ...overrides);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^airlock: refusing to purge.*--yes.*\n$/);
    expect(await depth(queues.dlqUrl)).toBe(1);
  });

  it('purge --yes empties the DLQ', async () => {
    const result = await airlockJson<{ purged: number }>(
      'dlq',
      'purge',
      'scan-jobs',
      '--yes',
      ...overrides,
    );
    expect(result.purged).toBe(1);
    await until('the DLQ to be empty', async () =>
      (await depth(queues.dlqUrl)) === 0 ? true : undefined,
    );
  });

  it('peek finds the upload of an S3 notification by its object', async () => {
    const { messageId } = await notifyObjectCreated(
      stack.sqs,
      { url: queues.dlqUrl, dlqUrl: queues.dlqUrl },
      { bucket: upload.bucket, key: upload.key, size: upload.declaredSize },
    );
    const peeked = await airlockJson<Peeked[]>('dlq', 'peek', 'upload-events', ...overrides);
    expect(peeked).toEqual([
      expect.objectContaining({
        messageId,
        uploadId: upload.id,
        stage: 's3.object-created',
        lastError: null,
      }),
    ]);
  });

  it('list --json includes the four stack DLQs with numeric depth', async () => {
    const rows = await airlockJson<Array<{ queue: string; depth: number }>>('dlq', 'list');
    expect(rows.map((row) => row.queue).sort()).toEqual([
      'media-jobs',
      'scan-jobs',
      'upload-events',
      'webhook-jobs',
    ]);
    for (const row of rows) expect(typeof row.depth).toBe('number');
  });
});

describe('airlock uploads show', () => {
  const stack = new StackClients();

  afterAll(() => stack.close());

  it('--json gives the history with per-stage durations, scans and renditions', async () => {
    const tenant = await stack.tenant();
    // Through the running API and the stack's workers: verified, scanned, then ready.
    const file = uniqueText('show');
    const created = await stack.uploadThroughApi(tenant, file, 'text/plain');
    const staged = { id: created.uploadId };
    await waitForState(stack.uploads, staged.id, ['ready']);

    const shown = await airlockJson<{
      upload: { id: string; state: string };
      stages: Array<{ state: string; at: string; durationMs: number; current: boolean }>;
      totalMs: number;
      scans: Array<{ result: string; trigger: string }>;
      renditions: unknown[];
      webhooks: unknown[];
    }>('uploads', 'show', staged.id);
    expect(shown.upload).toMatchObject({ id: staged.id, state: 'ready' });
    const states = shown.stages.map((s) => s.state);
    expect(states.slice(0, 3)).toEqual(['pending', 'uploaded', 'verified']);
    expect(states.at(-1)).toBe('ready');
    expect(states).toContain('clean');
    for (const [index, stage] of shown.stages.entries()) {
      expect(stage.durationMs).toBeGreaterThanOrEqual(0);
      const next = shown.stages[index + 1];
      if (next) expect(stage.durationMs).toBe(Date.parse(next.at) - Date.parse(stage.at));
    }
    expect(shown.stages.at(-1)!.current).toBe(true);
    expect(shown.totalMs).toBeGreaterThanOrEqual(0);
    expect(shown.scans).toEqual([expect.objectContaining({ result: 'clean', trigger: 'upload' })]);
    expect(shown.renditions).toEqual([]);
    expect(shown.webhooks).toEqual([]);

    const human = await airlock('uploads', 'show', staged.id);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('stages:');
    expect(human.stdout).toContain('clean');
    expect(human.stdout).toContain('webhooks: none');
  });

  it('fails with one line for an unknown id', async () => {
    const run = await airlock('uploads', 'show', randomUUID());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^airlock: upload [0-9a-f-]+ not found\n$/);
  });
});
