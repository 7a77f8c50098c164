import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadVerifierConfig } from '@airlock/config';
import { PgMessageFailures } from '@airlock/postgres';
import { createLogger } from '@airlock/runtime';
import {
  notifyObjectCreated,
  privateQueues,
  putPresigned,
  queueDepth,
  receiveAll,
  StackClients,
  TcpProxy,
  uniqueText,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { composeVerifier } from '../src/compose.ts';

// An in-process verifier on queues of its own, over the sandbox bucket (which
// sends no notifications): this file decides exactly which events it sees.
const stack = new StackClients();
const failures = new PgMessageFailures({ pool: stack.pool });
const sandbox = process.env.SANDBOX_BUCKET!;
const silent = createLogger({ level: 'silent', service: 'test' });
let tenant: Tenant;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => stack.close());

async function startVerifier(
  queues: Awaited<ReturnType<typeof privateQueues>>,
  env: Record<string, string> = {},
) {
  const config = loadVerifierConfig({
    ...process.env,
    ...queues.env,
    UPLOADS_BUCKET: sandbox,
    WORKER_WAIT_TIME_SECONDS: '1',
    ...env,
  });
  const verifier = composeVerifier(config, silent);
  verifier.start();
  cleanups.push(() => verifier.close());
  return verifier;
}

async function queuesForTest(maxReceiveCount = 3) {
  const queues = await privateQueues(stack.sqs, maxReceiveCount);
  cleanups.push(() => queues.remove());
  return queues;
}

async function uploadToSandbox() {
  const file = uniqueText('delivery');
  const result = await stack.requestUploadWith({ bucket: sandbox }, tenant, file, 'text/plain');
  if (result.outcome !== 'upload') throw new Error('expected a new upload');
  expect(await putPresigned(result.presigned, file.bytes)).toBe(200);
  return {
    file,
    upload: result.upload,
    object: { bucket: sandbox, key: result.upload.key, size: file.size },
  };
}

describe('at-least-once delivery', () => {
  it('the same event delivered twice makes one transition and one scan job', async () => {
    const queues = await queuesForTest();
    const { upload, object } = await uploadToSandbox();
    await notifyObjectCreated(stack.sqs, queues.events, object);
    await notifyObjectCreated(stack.sqs, queues.events, object);
    await startVerifier(queues);

    await waitForState(stack.uploads, upload.id, ['verified']);
    await until('both events handled', async () =>
      (await queueDepth(stack.sqs, queues.events.url)) === 0 ? true : undefined,
    );
    const { history } = (await stack.uploads.findWithHistory(upload.id))!;
    expect(history.filter((h) => h.toState === 'verified')).toHaveLength(1);
    const jobs = await receiveAll(stack.sqs, queues.scans.url, 2500);
    expect(jobs.map((body) => JSON.parse(body).uploadId)).toEqual([upload.id]);
  });

  it('Postgres unreachable while a message is in flight: retried, then verified once it is back', async () => {
    const queues = await queuesForTest(10);
    const { upload, object } = await uploadToSandbox();
    const database = new URL(process.env.DATABASE_URL!);
    const proxy = await new TcpProxy({
      host: database.hostname,
      port: Number(database.port),
    }).start();
    cleanups.push(() => proxy.stop());
    database.port = String(proxy.port);

    proxy.pause();
    await startVerifier(queues, { DATABASE_URL: database.toString() });
    await notifyObjectCreated(stack.sqs, queues.events, object);
    // The first attempt fails and the message is hidden for its backoff.
    await until('a failed attempt', async () =>
      (await queueDepth(stack.sqs, queues.events.url)) === 1 &&
      (await receiveAll(stack.sqs, queues.events.url, 1)).length === 0
        ? true
        : undefined,
    );
    expect((await stack.uploads.findWithHistory(upload.id))!.upload.state).toBe('pending');

    const resumedAt = Date.now();
    proxy.resume();
    const { history } = await waitForState(stack.uploads, upload.id, ['verified'], 60_000);
    expect(history.at(-1)!.at.getTime()).toBeGreaterThanOrEqual(resumedAt);
  });

  it('a message that keeps failing lands in the DLQ, its last error recorded', async () => {
    const queues = await queuesForTest(2);
    const { object } = await uploadToSandbox();
    // S3 unreachable: every attempt fails the same way.
    await startVerifier(queues, { S3_ENDPOINT: 'http://127.0.0.1:9' });
    const sent = await notifyObjectCreated(stack.sqs, queues.events, object);

    const dead = await until(
      'the dead letter',
      async () => (await receiveAll(stack.sqs, queues.events.dlqUrl, 1))[0],
      60_000,
    );
    expect(dead).toBe(sent.body);
    const recorded = await until('the failure record', async () => {
      const failure = await failures.find('upload-events', sent.messageId);
      return failure?.receiveCount === 2 ? failure : undefined;
    });
    expect(recorded).toMatchObject({ receiveCount: 2, permanent: false });
    expect(recorded.error.length).toBeGreaterThan(0);
  });

  it('an unparseable message goes straight to the DLQ, marked permanent', async () => {
    const queues = await queuesForTest(5);
    await startVerifier(queues);
    const sent = await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: queues.events.url, MessageBody: 'not an S3 event' }),
    );
    const dead = await until(
      'the dead letter',
      async () => (await receiveAll(stack.sqs, queues.events.dlqUrl, 1))[0],
    );
    expect(dead).toBe('not an S3 event');
    const recorded = await until('the failure record', () =>
      failures.find('upload-events', sent.MessageId!),
    );
    expect(recorded).toMatchObject({ receiveCount: 1, permanent: true });
    expect(recorded.error).toContain('unparseable_message');
  });
});
