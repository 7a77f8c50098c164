import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadScannerConfig } from '@airlock/config';
import { scanRequested, type Upload } from '@airlock/core';
import { PgUploadRenditions, PgUploadScans } from '@airlock/postgres';
import { createLogger, runReadinessChecks } from '@airlock/runtime';
import {
  clamavFixture,
  EICAR,
  fileOf,
  receiveAll,
  StackClients,
  TcpProxy,
  testQueues,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { composeScanner } from '../src/compose.ts';

// An in-process scanner on queues of its own, over uploads staged as verified
// in the sandbox bucket: this file decides what it scans and when clamd is up.
const stack = new StackClients();
const sandbox = process.env.SANDBOX_BUCKET!;
const silent = createLogger({ level: 'silent', service: 'test' });
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

async function privateScanQueues(maxReceiveCount: number) {
  const { queues, remove } = await testQueues(stack.sqs, ['scan', 'media'], maxReceiveCount);
  cleanups.push(remove);
  return { scans: queues.scan, media: queues.media };
}

function startScanner(
  queues: Awaited<ReturnType<typeof privateScanQueues>>,
  env: Record<string, string | undefined> = {},
) {
  const scanner = composeScanner(
    loadScannerConfig({
      ...process.env,
      UPLOADS_BUCKET: sandbox,
      SCAN_JOBS_QUEUE_URL: queues.scans.url,
      SCAN_JOBS_DLQ_URL: queues.scans.dlqUrl,
      MEDIA_JOBS_QUEUE_URL: queues.media.url,
      WORKER_WAIT_TIME_SECONDS: '1',
      ...env,
    }),
    silent,
  );
  scanner.start();
  cleanups.push(() => scanner.close());
  return scanner;
}

const scanJob = (upload: Upload) => scanRequested(upload, { producedBy: 'test' });

const stagePdf = (label: string) =>
  stack.stageVerified(
    sandbox,
    tenant,
    fileOf(`%PDF-1.7\n% ${label} ${randomUUID()}\n%%EOF\n`),
    'application/pdf',
  );

describe('clamd failures never mark anything clean', () => {
  it('clamd down mid-run: messages are retried, none is marked clean, all complete once it is back', async () => {
    const queues = await privateScanQueues(20);
    const proxy = await new TcpProxy({
      host: process.env.CLAMD_HOST!,
      port: Number(process.env.CLAMD_PORT),
    }).start();
    cleanups.push(() => proxy.stop());
    const staged = await Promise.all([stagePdf('a'), stagePdf('b'), stagePdf('c')]);

    proxy.pause();
    startScanner(queues, {
      CLAMD_HOST: '127.0.0.1',
      CLAMD_PORT: String(proxy.port),
      CLAMD_TIMEOUT_MS: '2000',
    });
    const sent = await Promise.all(
      staged.map((upload) =>
        stack.sqs.send(
          new SendMessageCommand({
            QueueUrl: queues.scans.url,
            MessageBody: JSON.stringify(scanJob(upload)),
          }),
        ),
      ),
    );
    // Every job has failed at least once, and each failure is on record.
    await until('a failure for every job', async () => {
      const { rows } = await stack.pool.query(
        `SELECT count(*)::int AS n FROM message_failures WHERE queue = 'scan-jobs' AND message_id = ANY($1)`,
        [sent.map((message) => message.MessageId)],
      );
      return rows[0].n === staged.length ? true : undefined;
    });
    for (const upload of staged)
      expect((await stack.uploads.find(upload.id))!.state).toBe('verified');

    proxy.resume();
    for (const upload of staged) {
      const { upload: done } = await waitForState(
        stack.uploads,
        upload.id,
        ['ready', 'quarantined', 'rejected'],
        60_000,
      );
      expect(done.state).toBe('ready');
    }
  });

  it('clamd unreachable for good: the job ends in the DLQ and the upload stays verified', async () => {
    const queues = await privateScanQueues(2);
    const upload = await stagePdf('unreachable');
    startScanner(queues, { CLAMD_HOST: '127.0.0.1', CLAMD_PORT: '9', CLAMD_TIMEOUT_MS: '2000' });
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.scans.url,
        MessageBody: JSON.stringify(scanJob(upload)),
      }),
    );
    const dead = await until(
      'the dead letter',
      async () => (await receiveAll(stack.sqs, queues.scans.dlqUrl, 1))[0],
      60_000,
    );
    expect(JSON.parse(dead).uploadId).toBe(upload.id);
    expect((await stack.uploads.find(upload.id))!.state).toBe('verified');
  });

  it('readiness names clamd when it does not answer', async () => {
    const queues = await privateScanQueues(2);
    const scanner = startScanner(queues, {
      CLAMD_HOST: '127.0.0.1',
      CLAMD_PORT: '9',
      CLAMD_TIMEOUT_MS: '2000',
    });
    const readiness = await runReadinessChecks(scanner.readiness, silent);
    expect(readiness.ready).toBe(false);
    expect(readiness.body.checks).toEqual({
      postgres: { ok: true },
      s3: { ok: true },
      sqs: { ok: true },
      clamd: { ok: false, error: 'unreachable' },
    });
  });

  it('a job for an upload that does not exist goes to the DLQ at once', async () => {
    const queues = await privateScanQueues(5);
    startScanner(queues);
    const ghost = { ...scanJob(await stagePdf('ghost')), uploadId: randomUUID() };
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: queues.scans.url, MessageBody: JSON.stringify(ghost) }),
    );
    const dead = await until(
      'the dead letter',
      async () => (await receiveAll(stack.sqs, queues.scans.dlqUrl, 1))[0],
    );
    expect(JSON.parse(dead).uploadId).toBe(ghost.uploadId);
  });
});

describe('bytes clamd cannot scan whole', () => {
  it('are never clean: past StreamMaxLength they are quarantined with the limit as the reason', async () => {
    const queues = await privateScanQueues(3);
    // 320 MiB on the local stack, where a 300 MiB multipart upload is scanned whole.
    const limit = Number(process.env.CLAMD_STREAM_MAX_LENGTH_BYTES);
    expect(limit).toBeGreaterThanOrEqual(300 * 1024 * 1024);
    const oversized = Buffer.alloc(limit + 1024 * 1024, 0x20);
    oversized.write('%PDF-1.7\n', 0, 'latin1');
    const upload = await stack.stageVerified(sandbox, tenant, fileOf(oversized), 'application/pdf');
    // A scanner that does not know SCAN_MAX_BYTES sends it all: clamd's own cut is what answers.
    startScanner(queues, { SCAN_MAX_BYTES: undefined });
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.scans.url,
        MessageBody: JSON.stringify(scanJob(upload)),
      }),
    );
    const { upload: done } = await waitForState(
      stack.uploads,
      upload.id,
      ['quarantined', 'clean', 'ready'],
      60_000,
    );
    expect(done.state).toBe('quarantined');
    expect(done.reason).toBe('scan_limits_exceeded: Heuristics.Limits.Exceeded.StreamMaxLength');
  });

  it.each([
    ['quarantine', 'quarantined'],
    ['hold', 'verified'],
  ])(
    'past SCAN_MAX_BYTES are never sent to clamd: under SCAN_LIMITS_POLICY=%s they end %s',
    async (policy, expected) => {
      const queues = await privateScanQueues(3);
      // EICAR that clamd would name at once had it been sent any byte of it.
      const upload = await stack.stageVerified(
        sandbox,
        tenant,
        fileOf(`${EICAR}\n${'x'.repeat(2048)}\n`),
        'text/plain',
      );
      startScanner(queues, { SCAN_MAX_BYTES: '1024', SCAN_LIMITS_POLICY: policy });
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.scans.url,
          MessageBody: JSON.stringify(scanJob(upload)),
        }),
      );
      const scan = await until('the verdict', async () => (await scans.forUpload(upload.id))[0]);
      expect(scan).toMatchObject({
        result: 'limits_exceeded',
        signature: 'Heuristics.Limits.Exceeded.ScanMaxBytes',
        engine: expect.stringMatching(/^ClamAV /),
      });
      const after = await stack.uploads.findWithHistory(upload.id);
      expect(after!.upload.state).toBe(expected);
      expect(after!.history.map((h) => h.toState)).not.toContain('clean');
      if (expected === 'quarantined')
        expect(after!.upload.reason).toBe(
          'scan_limits_exceeded: Heuristics.Limits.Exceeded.ScanMaxBytes',
        );
    },
  );
});

describe('content clamd cannot read (encrypted documents and archives)', () => {
  it.each([
    ['quarantine', 'quarantined'],
    ['hold', 'verified'],
  ])(
    'under SCAN_LIMITS_POLICY=%s an encrypted PDF ends %s, never clean',
    async (policy, expected) => {
      const queues = await privateScanQueues(3);
      const upload = await stack.stageVerified(
        sandbox,
        await stack.tenant(),
        fileOf(clamavFixture('marker-rc4-encrypted.pdf')),
        'application/pdf',
      );
      startScanner(queues, { SCAN_LIMITS_POLICY: policy });
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.scans.url,
          MessageBody: JSON.stringify(scanJob(upload)),
        }),
      );
      const scan = await until('the verdict', async () => (await scans.forUpload(upload.id))[0]);
      expect(scan).toMatchObject({ result: 'encrypted', signature: 'Heuristics.Encrypted.PDF' });
      // The verdict and the move are one statement: once the scan is on record, so is the state.
      const after = await stack.uploads.findWithHistory(upload.id);
      expect(after!.upload.state).toBe(expected);
      if (expected === 'quarantined') {
        expect(after!.upload.reason).toBe('encrypted_content: Heuristics.Encrypted.PDF');
        expect(after!.history.at(-1)).toMatchObject({ toState: 'quarantined', actor: 'scanner' });
      } else {
        expect(after!.history.map((h) => h.toState)).not.toContain('clean');
        expect(after!.upload.reason).toBeNull();
      }
    },
  );
});

describe('a rescan that finds a hit', () => {
  it('quarantines ready content and deletes its renditions from the processed bucket', async () => {
    const queues = await privateScanQueues(3);
    const marker = 'AIRLOCK-TEST-MALWARE-MARKER-7f3c';
    const upload = await stack.stageVerified(
      sandbox,
      tenant,
      fileOf(`%PDF-1.7\n% ${marker} ${randomUUID()}\n%%EOF\n`),
      'application/pdf',
    );
    await stack.uploads.transition({ uploadId: upload.id, to: 'clean', actor: 'test' });
    await stack.uploads.transition({ uploadId: upload.id, to: 'ready', actor: 'test' });
    const processed = process.env.PROCESSED_BUCKET!;
    const key = `${upload.key.split('/')[0]}/renditions/${upload.declaredSha256}/w256-webp.webp`;
    await stack.s3.send(new PutObjectCommand({ Bucket: processed, Key: key, Body: 'derivative' }));
    const renditions = new PgUploadRenditions({ pool: stack.pool });
    await renditions.save(upload.id, [
      { name: 'w256-webp', format: 'webp', width: 1, height: 1, size: 10, bucket: processed, key },
    ]);

    startScanner(queues);
    const job = { ...scanJob(upload), trigger: 'rescan' };
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: queues.scans.url, MessageBody: JSON.stringify(job) }),
    );
    const { upload: done } = await waitForState(stack.uploads, upload.id, ['quarantined']);
    expect(done.reason).toMatch(/Airlock\.Test\.Marker/);
    expect(await renditions.forUpload(upload.id)).toEqual([]);
    expect(await stack.objectExists(processed, key)).toBe(false);
  });
});
