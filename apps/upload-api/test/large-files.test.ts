import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import {
  AirlockClient,
  type PartEvent,
  type UploadProgress,
  type UploadSession,
} from '@airlock/client';
import { StackClients, videoFixture } from '@airlock/testing';
import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { CountingProxy } from './support/counting-proxy.ts';

const MiB = 1024 * 1024;
const TERMINAL = ['ready', 'rejected', 'quarantined', 'expired'];
const clientScript = fileURLToPath(new URL('./support/upload-client.main.ts', import.meta.url));

const stack = new StackClients();
// Parts of S3's smallest size, so a 60 MiB file has 12 of them; every S3
// request of this API (and so every part URL it signs) goes through the proxy.
const proxy = new CountingProxy(process.env.S3_ENDPOINT!);
let api: ApiHarness;
let tenant: Tenant;
let dir: string;

beforeAll(async () => {
  await proxy.start();
  api = await new ApiHarness({
    S3_ENDPOINT: proxy.url,
    MULTIPART_PART_SIZE_BYTES: String(5 * MiB),
  }).start();
  tenant = await api.tenant();
  dir = await mkdtemp(join(tmpdir(), 'airlock-large-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await api.stop();
  await proxy.stop();
  await stack.close();
});

/**
 * A valid MP4 of exactly `size` bytes on disk: the tiny fixture, then one
 * ISO BMFF `free` box holding a per-run nonce and deterministic
 * pseudo-random bytes (an AES-CTR keystream of a fixed key), written a few
 * MiB at a time. Answers its SHA-256, computed independently of the client.
 */
async function writeVideo(name: string, size: number) {
  const path = join(dir, name);
  const head = videoFixture('mp4');
  const box = Buffer.alloc(8);
  box.writeUInt32BE(size - head.length);
  box.write('free', 4, 'latin1');
  const nonce = randomBytes(16); // unique content: no dedup, no clamd cache
  const keystream = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const write = (chunk: Buffer) => {
    hash.update(chunk);
    return out.write(chunk)
      ? Promise.resolve()
      : new Promise<void>((r) => out.once('drain', () => r()));
  };
  await write(Buffer.concat([head, box, nonce]));
  let left = size - head.length - box.length - nonce.length;
  const zeros = Buffer.alloc(4 * MiB);
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    await write(keystream.update(zeros.subarray(0, n)));
    left -= n;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { path, size, sha256: hash.digest('hex') };
}

const client = (fetchImpl?: typeof fetch) =>
  new AirlockClient({
    baseUrl: api.baseUrl,
    authorization: `Bearer ${tenant.apiKey}`,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });

async function heldParts(uploadId: string): Promise<number[]> {
  const response = await api.request('GET', `/v1/uploads/${uploadId}/parts`, {
    apiKey: tenant.apiKey,
  });
  expect(response.status).toBe(200);
  return (response.body.parts as Array<{ partNumber: number }>)
    .map((p) => p.partNumber)
    .sort((a, b) => a - b);
}

async function openMultipartUploads(key: string): Promise<string[]> {
  const { Uploads } = await stack.s3.send(
    new ListMultipartUploadsCommand({ Bucket: api.config.uploads.bucket, Prefix: key }),
  );
  return (Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId!);
}

describe('@airlock/client: large files on the real stack', () => {
  it(
    'uploads a 300 MiB video in parallel parts, through verifier and scanner, to ready',
    async () => {
      const file = await writeVideo('big.mp4', 300 * MiB);
      // The default part size (16 MiB), straight to the emulator: 19 parts.
      const stackApi = await new ApiHarness().start();
      try {
        const progress: UploadProgress[] = [];
        let session: UploadSession | undefined;
        const uploader = new AirlockClient({
          baseUrl: stackApi.baseUrl,
          authorization: `Bearer ${tenant.apiKey}`,
        });
        const result = await uploader.upload(await openAsBlob(file.path), {
          siteId: tenant.siteId,
          fileName: 'big.mp4',
          contentType: 'video/mp4',
          onProgress: (p) => progress.push(p),
          onSession: (s) => (session = s),
        });
        expect(session).toMatchObject({
          size: file.size,
          sha256: file.sha256,
          partSize: 16 * MiB,
          partCount: 19,
        });
        expect(result).toMatchObject({
          uploadId: session!.uploadId,
          method: 'MULTIPART',
          duplicate: false,
          partsSent: 19,
          partsHeld: 0,
        });

        // Progress: hashing first, then bytes confirmed part by part, never backwards.
        expect(progress[0]!.phase).toBe('hashing');
        const confirmed = progress.map((p) => p.bytesConfirmed);
        expect(confirmed).toEqual([...confirmed].sort((a, b) => a - b));
        expect(progress.at(-1)).toEqual({
          phase: 'done',
          bytesHashed: file.size,
          bytesSent: file.size,
          bytesConfirmed: file.size,
          totalBytes: file.size,
          partsDone: 19,
          partCount: 19,
        });

        const final = await uploader.waitForState(result.uploadId, TERMINAL, {
          timeoutMs: 10 * 60_000,
          intervalMs: 2_000,
        });
        expect(final).toMatchObject({ state: 'ready', size: file.size, sha256: file.sha256 });
        expect(await openMultipartUploads(result.key)).toEqual([]);
      } finally {
        await stackApi.stop();
        await rm(file.path, { force: true });
      }
    },
    15 * 60_000,
  );

  it(
    'resumes after the client is killed halfway, sending only the missing parts',
    async () => {
      const file = await writeVideo('resumable.mp4', 60 * MiB);
      const job = {
        apiUrl: api.baseUrl,
        apiKey: tenant.apiKey,
        siteId: tenant.siteId,
        path: file.path,
        contentType: 'video/mp4',
        multipart: true,
      };

      // First process: two parts at a time over a slow link; SIGKILL once about half are held.
      const first = runClient({ ...job, concurrency: 2, partDelayMs: 300 });
      const session = (await first.next('session')).session as UploadSession;
      expect(session).toMatchObject({ size: 60 * MiB, partSize: 5 * MiB, partCount: 12 });
      const deadline = Date.now() + 60_000;
      while ((await heldParts(session.uploadId)).length < 6) {
        if (Date.now() > deadline) throw new Error('the first client never got halfway');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await new Promise((resolve) => setTimeout(resolve, 500)); // a request it finished may still land
      const heldAtKill = await heldParts(session.uploadId);
      expect(heldAtKill.length).toBeGreaterThanOrEqual(6);
      expect(heldAtKill.length).toBeLessThan(12);
      expect(first.events.some((e) => e.event === 'done')).toBe(false);

      // Second process: resumes from the session, no hashing of the whole file, no new upload.
      const before = proxy.requests.length;
      const second = runClient({ ...job, resume: session });
      expect(await second.exited).toEqual({ code: 0, signal: null });
      const parts = second.events.filter((e) => e.event === 'part') as unknown as PartEvent[];
      const held = parts
        .filter((p) => p.outcome === 'held')
        .map((p) => p.partNumber)
        .sort((a, b) => a - b);
      const sent = parts
        .filter((p) => p.outcome === 'sent')
        .map((p) => p.partNumber)
        .sort((a, b) => a - b);
      const all = Array.from({ length: 12 }, (_, i) => i + 1);
      expect(held).toEqual(heldAtKill);
      expect(sent).toEqual(all.filter((n) => !heldAtKill.includes(n)));
      // On the wire (counted by the proxy, not the client): each missing part once, nothing else.
      const wire = proxy.requests
        .slice(before)
        .filter((r) => r.method === 'PUT' && r.partNumber !== undefined)
        .map((r) => r.partNumber!)
        .sort((a, b) => a - b);
      expect(wire).toEqual(sent);
      const done = second.events.find((e) => e.event === 'done')!.result as Record<string, unknown>;
      expect(done).toMatchObject({
        uploadId: session.uploadId,
        method: 'MULTIPART',
        partsSent: sent.length,
        partsHeld: heldAtKill.length,
      });

      const final = await client().waitForState(session.uploadId, TERMINAL, { timeoutMs: 120_000 });
      expect(final).toMatchObject({ state: 'ready', size: 60 * MiB, sha256: file.sha256 });
      await rm(file.path, { force: true });
    },
    5 * 60_000,
  );

  it(
    'retries a part the store answers 503 or whose connection drops, with backoff',
    async () => {
      const file = await writeVideo('flaky.mp4', 16 * MiB);
      proxy.failPart(2, '503', 'drop');
      proxy.failPart(3, 'drop');
      const before = proxy.requests.length;
      const parts: PartEvent[] = [];
      const result = await client().upload(await openAsBlob(file.path), {
        siteId: tenant.siteId,
        fileName: 'flaky.mp4',
        contentType: 'video/mp4',
        multipart: true,
        retry: { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 200 },
        onPart: (p) => parts.push(p),
      });
      expect(result).toMatchObject({ method: 'MULTIPART', partsSent: 4 });
      const attempts = Object.fromEntries(parts.map((p) => [p.partNumber, p.attempts]));
      expect(attempts).toEqual({ 1: 1, 2: 3, 3: 2, 4: 1 });
      const wire = proxy.requests
        .slice(before)
        .filter((r) => r.method === 'PUT' && r.partNumber !== undefined)
        .map((r) => r.partNumber!)
        .sort((a, b) => a - b);
      expect(wire).toEqual([1, 2, 2, 2, 3, 3, 4]);
      const final = await client().waitForState(result.uploadId, TERMINAL, { timeoutMs: 60_000 });
      expect(final).toMatchObject({ state: 'ready', sha256: file.sha256 });

      // The same content again, once verified: a duplicate, nothing sent.
      const again = await client().upload(await openAsBlob(file.path), {
        siteId: tenant.siteId,
        fileName: 'flaky-again.mp4',
        contentType: 'video/mp4',
        multipart: true,
      });
      expect(again).toMatchObject({ duplicate: true, method: 'NONE', partsSent: 0 });
      await rm(file.path, { force: true });
    },
    2 * 60_000,
  );

  it(
    'cancel stops a multipart upload midway: expired (cancelled), nothing left in the store',
    async () => {
      const file = await writeVideo('cancelled.mp4', 20 * MiB);
      const slow: typeof fetch = async (input, init) => {
        if (init?.method === 'PUT') await new Promise((resolve) => setTimeout(resolve, 400));
        return fetch(input, init);
      };
      const task = client(slow).startUpload(await openAsBlob(file.path), {
        siteId: tenant.siteId,
        fileName: 'cancelled.mp4',
        contentType: 'video/mp4',
        multipart: true,
        concurrency: 1,
      });
      const deadline = Date.now() + 60_000;
      while (!task.uploadId() || (await heldParts(task.uploadId()!)).length < 1) {
        if (Date.now() > deadline) throw new Error('no part was ever held');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const uploadId = task.uploadId()!;
      const status = await task.cancel();
      expect(status).toMatchObject({ uploadId, state: 'expired', reason: 'cancelled' });
      await expect(task.done).rejects.toMatchObject({ name: 'AbortError' });

      const upload = await client().api.getUpload(uploadId);
      expect(upload).toMatchObject({ state: 'expired', reason: 'cancelled' });
      expect(await openMultipartUploads(upload.key)).toEqual([]);
      await rm(file.path, { force: true });
    },
    2 * 60_000,
  );
});

/** The client script in its own Node process, its JSON-line events collected. */
function runClient(job: Record<string, unknown>) {
  const child = spawn(process.execPath, [clientScript, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal });
    }),
  );
  const next = async (event: string) => {
    for (;;) {
      const found = events.find((e) => e.event === event);
      if (found) return found;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the client exited without ${event}: ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { child, events, exited, next };
}
