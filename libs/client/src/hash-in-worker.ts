import type { HashReply, HashWorkerLike, HashWorkerSource } from './hash-protocol.ts';
import { sha256OfBlob, type HashOptions } from './hashing.ts';

/** Starts the worker a `HashWorkerSource` names. */
export function startHashWorker(source: HashWorkerSource): HashWorkerLike {
  if (typeof source === 'function') return source();
  const Worker = globalWorker();
  if (!Worker) throw new TypeError('Web Workers are not available here');
  return new Worker(source, { type: 'module', name: 'airlock-hash' });
}

/** The Worker constructor where one exists, typed without the DOM library (see transport.ts). */
type WorkerConstructor = new (
  url: string | URL,
  options: { type: 'module'; name: string },
) => HashWorkerLike;
const globalWorker = (): WorkerConstructor | undefined =>
  (globalThis as { Worker?: WorkerConstructor }).Worker;

/**
 * The SHA-256 (hex) of `file`, computed in a hash worker (see
 * `hash-worker.ts`) so the calling thread stays free. The worker is
 * terminated when done, failed or aborted.
 */
export function sha256InWorker(
  file: Blob,
  source: HashWorkerSource,
  options: HashOptions = {},
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(signal.reason);
    let worker: HashWorkerLike;
    try {
      worker = startHashWorker(source);
    } catch (error) {
      return reject(error);
    }
    const finish = (outcome: () => void) => {
      signal?.removeEventListener('abort', onAbort);
      worker.terminate();
      outcome();
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.addEventListener('message', (event) => {
      const reply = event.data as HashReply;
      if (reply.type === 'progress') options.onBytes?.(reply.bytes);
      else if (reply.type === 'done') finish(() => resolve(reply.sha256));
      else if (reply.type === 'error')
        finish(() => reject(Object.assign(new Error(reply.message), { name: reply.name })));
    });
    // The script did not load (a wrong URL, a Content-Security-Policy) or threw.
    worker.addEventListener('error', (event) =>
      finish(() =>
        reject(new Error(`the hash worker failed: ${event.message ?? 'it could not start'}`)),
      ),
    );
    worker.addEventListener('messageerror', () =>
      finish(() => reject(new Error('the hash worker could not receive the file'))),
    );
    worker.postMessage({
      type: 'hash',
      file,
      ...(options.chunkBytes ? { chunkBytes: options.chunkBytes } : {}),
      ...(options.engine ? { engine: options.engine } : {}),
    });
  });
}

/**
 * Hashes in a worker when one is configured and the platform has workers (a
 * factory counts as having one), else on this thread (Node, tests).
 */
export function hashFile(
  file: Blob,
  source: HashWorkerSource | undefined,
  options: HashOptions,
): Promise<string> {
  const canStart = typeof source === 'function' || typeof globalWorker() === 'function';
  return source !== undefined && canStart
    ? sha256InWorker(file, source, options)
    : sha256OfBlob(file, options);
}
