import { sha256 } from '@noble/hashes/sha2.js';

/** Bytes read from the file at a time while hashing: memory stays flat at any file size. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/** Parts up to this size are hashed in one native Web Crypto call (the part is read anyway). */
const NATIVE_DIGEST_MAX_BYTES = 16 * 1024 * 1024;

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

export type HashOptions = {
  readonly signal?: AbortSignal;
  /** Called after each chunk with the bytes hashed so far. */
  readonly onBytes?: (hashed: number) => void;
  readonly chunkBytes?: number;
};

/**
 * The SHA-256 (hex) of a Blob, read a chunk at a time. Web Crypto has no
 * incremental digest (it takes the whole input at once), so a 5 GiB file
 * would have to be in memory; @noble/hashes is an audited, dependency-free,
 * pure-JS SHA-256 that takes the input in pieces, in browsers and Node alike.
 */
export async function sha256OfBlob(blob: Blob, options: HashOptions = {}): Promise<string> {
  const chunk = options.chunkBytes ?? HASH_CHUNK_BYTES;
  const hash = sha256.create();
  for (let offset = 0; offset < blob.size; offset += chunk) {
    options.signal?.throwIfAborted();
    const end = Math.min(offset + chunk, blob.size);
    hash.update(new Uint8Array(await blob.slice(offset, end).arrayBuffer()));
    options.onBytes?.(end);
  }
  options.signal?.throwIfAborted();
  return toHex(hash.digest());
}

/**
 * The SHA-256 (hex) of one part. Small parts go through Web Crypto's native
 * digest (faster, and the part is at most a few MiB); larger ones through the
 * incremental hash so memory stays flat.
 */
export async function sha256OfPart(part: Blob, signal?: AbortSignal): Promise<string> {
  if (part.size > NATIVE_DIGEST_MAX_BYTES) return sha256OfBlob(part, signal ? { signal } : {});
  signal?.throwIfAborted();
  const digest = await crypto.subtle.digest('SHA-256', await part.arrayBuffer());
  return toHex(new Uint8Array(digest));
}
