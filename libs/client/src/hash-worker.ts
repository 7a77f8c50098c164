/**
 * The hash worker: a separate entry point (`@airlock/client/hash-worker`),
 * built as its own bundle and loaded by the page as a module Worker, so the
 * SHA-256 of a multi-GiB file never blocks the page. It reads the File a
 * chunk at a time (the File is shared with the page, not copied), hashes it
 * with hash-wasm (or @noble/hashes where WebAssembly cannot start), and posts
 * progress after every chunk.
 *
 *   npx esbuild node_modules/@airlock/client/src/hash-worker.ts --bundle \
 *     --format=esm --minify --outfile=public/airlock-hash-worker.js
 *
 * One worker hashes one file, then is terminated by the client.
 */
import type { HashReply, HashRequest } from './hash-protocol.ts';
import { sha256OfBlob } from './hashing.ts';

type WorkerScope = {
  addEventListener(type: 'message', listener: (event: { data: HashRequest }) => void): void;
  postMessage(message: HashReply): void;
};

const scope = globalThis as unknown as WorkerScope;

scope.addEventListener('message', (event) => {
  const request = event.data;
  if (request?.type !== 'hash') return;
  sha256OfBlob(request.file, {
    ...(request.chunkBytes ? { chunkBytes: request.chunkBytes } : {}),
    ...(request.engine ? { engine: request.engine } : {}),
    onBytes: (bytes) => scope.postMessage({ type: 'progress', bytes }),
  }).then(
    (sha256) => scope.postMessage({ type: 'done', sha256 }),
    (error: unknown) =>
      scope.postMessage({
        type: 'error',
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
