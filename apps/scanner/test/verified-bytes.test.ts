import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadScannerConfig } from '@airlock/config';
import { scanRequested, type Upload } from '@airlock/core';
import { PgUploadScans } from '@airlock/postgres';
import { createLogger } from '@airlock/runtime';
import {
  fileOf,
  StackClients,
  testQueues,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { composeScanner } from '../src/compose.ts';

// Issue 12, finding 5: the scanner's verdict is about the bytes it read, and
// only bytes whose SHA-256 is the verified one may move the upload. The local
// S3 emulator keeps no versions (s3rver answers NotImplemented to versioning),
// so reads go by key here and it is the hash that must catch replaced bytes.
const stack = new StackClients();
const sandbox = process.env.SANDBOX_BUCKET!;
const quarantineBucket = process.env.QUARANTINE_BUCKET!;
const scans = new PgUploadScans({ pool: stack.pool });
const cleanups: Array<() => Promise<unknown>> = [];
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => stack.close());

async function startScanner() {
  const { queues, remove } = await testQueues(stack.sqs, ['vb-scan', 'vb-media']);
  cleanups.push(remove);
  const { 'vb-scan': scanQueue, 'vb-media': mediaQueue } = queues;
  const scanner = composeScanner(
    loadScannerConfig({
      ...process.env,
      UPLOADS_BUCKET: sandbox,
      SCAN_JOBS_QUEUE_URL: scanQueue.url,
      SCAN_JOBS_DLQ_URL: scanQueue.dlqUrl,
      MEDIA_JOBS_QUEUE_URL: mediaQueue.url,
      WORKER_WAIT_TIME_SECONDS: '1',
    }),
    createLogger({ level: 'silent', service: 'test' }),
  );
  scanner.start();
  cleanups.push(() => scanner.close());
  return scanQueue.url;
}

const send = (queueUrl: string, upload: Upload) => {
  const job = scanRequested(upload, { producedBy: 'test' });
  return stack.sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }),
  );
};

const pdf = (label: string) => fileOf(`%PDF-1.7\n% ${label} ${randomUUID()}\n%%EOF\n`);

const existsIn = (bucket: string, key: string) => stack.objectExists(bucket, key);

describe('the scanner acts only on the verified bytes', () => {
  it('the verified bytes, hashed as clamd reads them, are marked clean', async () => {
    const queueUrl = await startScanner();
    const upload = await stack.stageVerified(sandbox, tenant, pdf('same'), 'application/pdf');
    await send(queueUrl, upload);
    const { upload: done } = await waitForState(stack.uploads, upload.id, [
      'clean',
      'ready',
      'rejected',
      'quarantined',
    ]);
    expect(done.state).toMatch(/^(clean|ready)$/);
  });

  it('other bytes under the key since verification: no clean verdict, rejected content_replaced, object quarantined', async () => {
    const queueUrl = await startScanner();
    const upload = await stack.stageVerified(sandbox, tenant, pdf('verified'), 'application/pdf');
    // Another clean PDF of any length replaces the verified one by key.
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: sandbox,
        Key: upload.key,
        Body: pdf('replacement').bytes,
        ContentType: 'application/pdf',
      }),
    );
    await send(queueUrl, upload);
    const { upload: rejected, history } = await waitForState(stack.uploads, upload.id, [
      'clean',
      'ready',
      'rejected',
      'quarantined',
    ]);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'content_replaced' });
    expect(history.at(-1)).toMatchObject({ actor: 'scanner', fromState: 'verified' });
    expect((await scans.forUpload(upload.id)).filter((s) => s.result === 'clean')).toEqual([]);
    // The rejection is recorded before the object moves: wait for the move.
    expect(
      await until('the object moved to quarantine', async () =>
        !(await existsIn(sandbox, upload.key)) &&
        (await existsIn(quarantineBucket, `${upload.id}/${upload.key}`))
          ? true
          : undefined,
      ),
    ).toBe(true);
  });
});
