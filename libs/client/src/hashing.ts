import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256 } from 'hash-wasm';

/** Bytes read from the file at a time while hashing: memory stays flat at any file size. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/** Parts up to this size are hashed in one native Web Crypto call (the part is read anyway). */
const NATIVE_DIGEST_MAX_BYTES = 16 * 1024 * 1024;

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** A SHA-256 that takes its input in pieces. */
export type IncrementalSha256 = {
  update(bytes: Uint8Array): void;
  /** The digest, lowercase hex; the hash is not usable afterwards. */
  hex(): string;
};

/** Which SHA-256 implementation hashes files: `wasm` (hash-wasm) or `js` (@noble/hashes). */
export type Sha256Engine = 'wasm' | 'js';

/** @noble/hashes: audited pure JS, runs anywhere. */
function jsSha256(): IncrementalSha256 {
  const hash = nobleSha256.create();
  return {
    update: (bytes) => void hash.update(bytes),
    hex: () => toHex(hash.digest()),
  };
}

let wasmUnavailable = false;

/**
 * An incremental SHA-256: hash-wasm's WebAssembly one (1.2-1.7x the speed of
 * @noble/hashes in Node 24, measured by bench/src/client-hashing.main.ts), or
 * @noble/hashes when WebAssembly cannot start (a page whose
 * Content-Security-Policy lacks `'wasm-unsafe-eval'`, a runtime without
 * WebAssembly). Same digest either way.
 */
export async function createSha256(engine: Sha256Engine = 'wasm'): Promise<IncrementalSha256> {
  if (engine === 'wasm' && !wasmUnavailable) {
    try {
      const hash = await createSHA256();
      hash.init();
      return {
        update: (bytes) => void hash.update(bytes),
        hex: () => hash.digest('hex'),
      };
    } catch {
      wasmUnavailable = true; // remembered: one failed instantiation is enough
    }
  }
  return jsSha256();
}

export type HashOptions = {
  readonly signal?: AbortSignal;
  /** Called after each chunk with the bytes hashed so far. */
  readonly onBytes?: (hashed: number) => void;
  readonly chunkBytes?: number;
  readonly engine?: Sha256Engine;
};

/**
 * The SHA-256 (hex) of a Blob, read a chunk at a time (the next chunk is read
 * while the current one is hashed), so memory stays at two chunks whatever
 * the size. Web Crypto has no incremental digest (it takes the whole input at
 * once), so a 5 GiB file would have to be in memory.
 *
 * This runs on the calling thread; in a browser, hash through a Worker
 * (`hashWorker` in the client's options) to keep the page responsive.
 */
export async function sha256OfBlob(blob: Blob, options: HashOptions = {}): Promise<string> {
  const chunk = options.chunkBytes ?? HASH_CHUNK_BYTES;
  const hash = await createSha256(options.engine);
  const read = (offset: number) =>
    blob.slice(offset, Math.min(offset + chunk, blob.size)).arrayBuffer();
  let pending = blob.size > 0 ? read(0) : undefined;
  for (let offset = 0; offset < blob.size; offset += chunk) {
    options.signal?.throwIfAborted();
    const bytes = new Uint8Array(await pending!);
    const end = offset + bytes.byteLength;
    pending = end < blob.size ? read(end) : undefined;
    pending?.catch(() => undefined); // awaited on the next turn; never unhandled
    hash.update(bytes);
    options.onBytes?.(end);
  }
  options.signal?.throwIfAborted();
  return hash.hex();
}

/**
 * The SHA-256 (hex) of one part. Small parts go through Web Crypto's native
 * digest (faster, and the part is at most a few MiB) when the page has it
 * (`crypto.subtle` exists only in secure contexts: https or localhost);
 * larger ones, or without it, through the incremental hash.
 */
export async function sha256OfPart(part: Blob, signal?: AbortSignal): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (part.size > NATIVE_DIGEST_MAX_BYTES || !subtle)
    return sha256OfBlob(part, signal ? { signal } : {});
  signal?.throwIfAborted();
  const digest = await subtle.digest('SHA-256', await part.arrayBuffer());
  return toHex(new Uint8Array(digest));
}
