import { createHash, randomBytes } from 'node:crypto';
import { createSha256, sha256OfBlob, sha256OfPart, toHex } from './hashing.ts';

const nodeSha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('hashing', () => {
  const bytes = randomBytes(3 * 1024 * 1024 + 17);

  it('hashes a Blob a chunk at a time, equal to a one-shot SHA-256, reporting progress', async () => {
    const seen: number[] = [];
    const hex = await sha256OfBlob(new Blob([bytes]), {
      chunkBytes: 1024 * 1024,
      onBytes: (n) => seen.push(n),
    });
    expect(hex).toBe(nodeSha(bytes));
    expect(seen).toEqual([1, 2, 3].map((n) => n * 1024 * 1024).concat(bytes.length));
  });

  it('hashes parts natively or incrementally with the same result', async () => {
    const part = new Blob([bytes]).slice(5, 2 * 1024 * 1024);
    expect(await sha256OfPart(part)).toBe(nodeSha(bytes.subarray(5, 2 * 1024 * 1024)));
    const big = randomBytes(17 * 1024 * 1024);
    expect(await sha256OfPart(new Blob([big]))).toBe(nodeSha(big));
    expect(await sha256OfBlob(new Blob([]))).toBe(nodeSha(new Uint8Array()));
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(sha256OfBlob(new Blob([bytes]), { signal: controller.signal })).rejects.toThrow(
      'stop',
    );
  });

  it('both engines (hash-wasm and @noble/hashes) give the same digest, fed in pieces', async () => {
    for (const engine of ['wasm', 'js'] as const) {
      const hash = await createSha256(engine);
      for (let offset = 0; offset < bytes.length; offset += 1_000_003)
        hash.update(bytes.subarray(offset, offset + 1_000_003));
      expect(hash.hex()).toBe(nodeSha(bytes));
      expect(await sha256OfBlob(new Blob([bytes]), { engine })).toBe(nodeSha(bytes));
    }
  });

  it('toHex', () => {
    expect(toHex(new Uint8Array([0, 15, 16, 255]))).toBe('000f10ff');
  });
});
