import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SIZE_LIMITS, type PresignedRequest } from '@airlock/core';
import {
  notifyObjectCreated,
  privateQueues,
  StackClients,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';

const MiB = 1024 * 1024;
const OBJECT_SIZE = 200 * MiB;
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const stack = new StackClients();
const sandbox = process.env.SANDBOX_BUCKET!;
let tenant: Tenant;

/** 200 MiB of PDF-looking bytes, generated chunk by chunk: the test never holds them either. */
function pdfSeed(): Buffer {
  const seed = randomBytes(MiB);
  seed.write('%PDF-1.7\n', 0, 'latin1');
  return seed;
}

function* pdfChunks(seed: Buffer): Generator<Buffer> {
  const block = Buffer.from(seed);
  for (let i = 0; i < OBJECT_SIZE / MiB; i++) {
    if (i > 0) block.writeUInt32BE(i, 0);
    yield block;
  }
}

function sha256OfChunks(seed: Buffer): string {
  const hash = createHash('sha256');
  for (const chunk of pdfChunks(seed)) hash.update(chunk);
  return hash.digest('hex');
}

async function streamPut(presigned: PresignedRequest, seed: Buffer): Promise<number> {
  // A streamed body has no length of its own: said here, as any client of a stream must.
  const req = request(presigned.url, {
    method: 'PUT',
    headers: { ...presigned.headers, 'Content-Length': String(OBJECT_SIZE) },
  });
  const response = once(req, 'response');
  for (const chunk of pdfChunks(seed)) {
    // write() may hold the buffer past this turn; the generator reuses it.
    if (!req.write(Buffer.from(chunk))) await once(req, 'drain');
  }
  req.end();
  const [res] = (await response) as [import('node:http').IncomingMessage];
  res.resume();
  return res.statusCode ?? 0;
}

/** Peak resident set of a process so far (VmHWM), in bytes. */
const peakRss = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

async function startVerifierProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; logs: string[] }> {
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      ...env,
      UPLOADS_BUCKET: sandbox,
      HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      WORKER_WAIT_TIME_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (text: string) => logs.push(...text.split('\n')));
  await until('the verifier process to consume', async () =>
    logs.some((line) => line.includes('verifier consuming')) ? true : undefined,
  );
  return { child, logs };
}

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

/** Puts a fresh 200 MiB PDF into the sandbox; the verifier only hears of it when told. */
async function stageLargePdf() {
  const seed = pdfSeed();
  const result = await stack.requestUploadWith(
    { bucket: sandbox, sizeLimits: { ...DEFAULT_SIZE_LIMITS, documents: OBJECT_SIZE } },
    tenant,
    { size: OBJECT_SIZE, sha256: sha256OfChunks(seed) },
    'application/pdf',
    // One streamed PUT, whatever MULTIPART_THRESHOLD_BYTES would choose for this size.
    { multipart: false },
  );
  if (result.outcome !== 'upload') throw new Error('expected a new upload');
  expect(await streamPut(result.presigned, seed)).toBe(200);
  return { bucket: sandbox, key: result.upload.key, size: OBJECT_SIZE, uploadId: result.upload.id };
}

describe('200 MiB objects', () => {
  it('are verified with a bounded peak RSS, less than one object for two, and SIGTERM stops cleanly', async () => {
    const queues = await privateQueues(stack.sqs);
    const first = await stageLargePdf();
    const second = await stageLargePdf();
    const { child } = await startVerifierProcess(queues.env);
    try {
      const idle = peakRss(child.pid!);
      await notifyObjectCreated(stack.sqs, queues.events, first);
      const { upload } = await waitForState(
        stack.uploads,
        first.uploadId,
        ['verified', 'rejected'],
        90_000,
      );
      expect(upload).toMatchObject({ state: 'verified', detectedContentType: 'application/pdf' });
      const afterOne = peakRss(child.pid!);

      await notifyObjectCreated(stack.sqs, queues.events, second);
      await waitForState(stack.uploads, second.uploadId, ['verified'], 90_000);
      const afterTwo = peakRss(child.pid!);

      // Streaming never holds an object: 400 MiB went through and the peak
      // grew by less than one of them. (V8 frees the 64 KiB socket chunks
      // lazily, in steps of tens of MiB, so the rise is bounded, not zero:
      // 80-140 MiB measured here, whatever the object size.)
      expect(afterOne - idle).toBeLessThan(OBJECT_SIZE * 0.75);
      expect(afterTwo - idle).toBeLessThan(OBJECT_SIZE);

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await queues.remove();
    }
  });
});
