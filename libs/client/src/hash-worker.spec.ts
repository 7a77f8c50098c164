import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker as ThreadWorker } from 'node:worker_threads';
import { build } from 'esbuild';
import { hashFile, sha256InWorker } from './hash-in-worker.ts';
import type { HashWorkerLike } from './hash-protocol.ts';

/**
 * The hash worker as a page gets it: `src/hash-worker.ts` bundled by esbuild
 * for the browser (ESM, nothing external), then run in a real separate thread
 * (node:worker_threads) behind the two globals a Web Worker has
 * (`addEventListener('message')`, `postMessage`).
 */
const entry = fileURLToPath(new URL('./hash-worker.ts', import.meta.url));
let dir: string;
let script: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-hash-worker-'));
  const built = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  bundle = built.outputFiles[0]!.text;
  await writeFile(join(dir, 'hash-worker.js'), bundle);
  await writeFile(
    join(dir, 'web-worker-globals.mjs'),
    `import { parentPort } from 'node:worker_threads';
globalThis.addEventListener = (type, listener) => parentPort.on(type, (data) => listener({ data }));
globalThis.postMessage = (message) => parentPort.postMessage(message);`,
  );
  script = join(dir, 'run.mjs');
  await writeFile(script, `import './web-worker-globals.mjs';\nimport './hash-worker.js';\n`);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

let started: ThreadWorker[] = [];
afterEach(() => (started = []));

/** What `hashWorker: () => new Worker(url, { type: 'module' })` gives in a page. */
const factory = (): HashWorkerLike => {
  const thread = new ThreadWorker(script);
  started.push(thread);
  return {
    postMessage: (message) => thread.postMessage(message),
    addEventListener: (type, listener) => {
      if (type === 'message') thread.on('message', (data: unknown) => listener({ data }));
      else if (type === 'error')
        thread.on('error', (error: Error) => listener({ message: error.message }));
      else thread.on('messageerror', () => listener({}));
    },
    terminate: () => void thread.terminate(),
  };
};

describe('the hash worker, bundled by esbuild', () => {
  it('bundles for the browser with no Node import', () => {
    expect(bundle).not.toMatch(/node:|require\(/);
    expect(bundle.length).toBeLessThan(64 * 1024);
  });

  it('hashes a Blob in another thread, posting progress per chunk, then ends', async () => {
    const bytes = randomBytes(9 * 1024 * 1024 + 5);
    const progress: number[] = [];
    const sha256 = await sha256InWorker(new Blob([bytes]), factory, {
      chunkBytes: 2 * 1024 * 1024,
      onBytes: (n) => progress.push(n),
    });
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(progress).toEqual([2, 4, 6, 8].map((n) => n * 1024 * 1024).concat(bytes.length));
    expect(started).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started[0]!.threadId).toBe(-1); // terminated
  });

  it('the JS engine inside the worker gives the same digest', async () => {
    const bytes = randomBytes(100_000);
    const hex = await sha256InWorker(new Blob([bytes]), factory, { engine: 'js' });
    expect(hex).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('an abort terminates the worker and rejects with the reason', async () => {
    const controller = new AbortController();
    const hashing = sha256InWorker(new Blob([randomBytes(64 * 1024 * 1024)]), factory, {
      signal: controller.signal,
      chunkBytes: 1024 * 1024,
      onBytes: () => controller.abort(new Error('cancelled by the user')),
    });
    await expect(hashing).rejects.toThrow('cancelled by the user');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started[0]!.threadId).toBe(-1);
  });

  it('a worker that cannot start rejects with the reason', async () => {
    const broken = (): HashWorkerLike => {
      const thread = new ThreadWorker('throw new Error("blocked by CSP")', { eval: true });
      started.push(thread);
      return {
        postMessage: (message) => thread.postMessage(message),
        addEventListener: (type, listener) => {
          if (type === 'error')
            thread.on('error', (error: Error) => listener({ message: error.message }));
        },
        terminate: () => void thread.terminate(),
      };
    };
    await expect(sha256InWorker(new Blob(['x']), broken)).rejects.toThrow(
      'the hash worker failed: blocked by CSP',
    );
  });

  it('without a worker (Node has no Worker global), hashes on the calling thread', async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe('undefined');
    const bytes = randomBytes(1000);
    expect(await hashFile(new Blob([bytes]), '/hash-worker.js', {})).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
    expect(started).toHaveLength(0);
  });
});
