import type { Sha256Engine } from './hashing.ts';

/** Page → hash worker: hash this Blob (a File is passed by reference, not copied). */
export type HashRequest = {
  readonly type: 'hash';
  readonly file: Blob;
  readonly chunkBytes?: number;
  readonly engine?: Sha256Engine;
};

/** Hash worker → page. */
export type HashReply =
  | { readonly type: 'progress'; readonly bytes: number }
  | { readonly type: 'done'; readonly sha256: string }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

/** The part of a `Worker` the client uses (a factory may return anything shaped so). */
export type HashWorkerLike = {
  postMessage(message: HashRequest): void;
  addEventListener(
    type: 'message' | 'error' | 'messageerror',
    listener: (event: { readonly data?: unknown; readonly message?: string }) => void,
  ): void;
  terminate(): void;
};

/**
 * Where the hash worker comes from: the URL of the bundled
 * `@airlock/client/hash-worker` script (loaded as a module worker), or a
 * factory that starts it (e.g. `() => new Worker(new URL('./hash-worker.js',
 * import.meta.url), { type: 'module' })`).
 */
export type HashWorkerSource = string | URL | (() => HashWorkerLike);
