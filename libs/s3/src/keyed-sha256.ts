import {
  createHash,
  createHmac,
  createSecretKey,
  type Hash,
  type Hmac,
  type KeyObject,
} from 'node:crypto';
import type { Sha256Node } from '@smithy/core/checksum';
import { LRUCache } from 'lru-cache';

type SourceData = NonNullable<ConstructorParameters<typeof Sha256Node>[0]>;

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** Found by the key's SHA-256, so no secret is kept as a string. */
const importedKeys = new LRUCache<string, KeyObject>({ max: 32 });

function importedKey(secret: SourceData): KeyObject {
  const bytes = toBuffer(secret);
  const id = createHash('sha256').update(bytes).digest('base64');
  let key = importedKeys.get(id);
  if (!key) {
    key = createSecretKey(bytes);
    importedKeys.set(id, key);
  }
  return key;
}

/**
 * The SDK's SHA-256 / HMAC-SHA256 (a signer's `sha256`), with each HMAC key
 * imported once. Node imports a raw key anew on every createHmac (14 µs on
 * Node 24, 3 µs from a KeyObject) and a SigV4 presign makes two of them: the
 * signing-key cache's lookup under the secret access key and the signature
 * under the day's signing key. Those few keys are kept as KeyObjects.
 */
export class KeyedSha256 implements Sha256Node {
  readonly digestLength = 32 as const;
  readonly #key: KeyObject | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#key = secret ? importedKey(secret) : undefined;
    this.#hash = this.#create();
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    // A plain hash may be read again (copy); an HMAC is read once.
    const hash = this.#hash;
    const digest = this.#key ? hash.digest() : (hash as Hash).copy().digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }

  reset(): void {
    this.#hash = this.#create();
  }

  #create(): Hash | Hmac {
    return this.#key ? createHmac('sha256', this.#key) : createHash('sha256');
  }
}
