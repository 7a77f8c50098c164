import { createHash, createHmac } from 'node:crypto';
import { KeyedSha256 } from './keyed-sha256.ts';

const text = new TextEncoder().encode('AWS4-HMAC-SHA256\n20261123T100000Z\nscope\nhash');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('KeyedSha256', () => {
  it.each([
    ['a string secret', 'AWS4secret'],
    ['a Uint8Array secret', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])],
    ['an ArrayBuffer secret', new Uint8Array([9, 8, 7]).buffer],
  ])('is Node’s HMAC-SHA256 under %s, the same when the key is used again', async (_, secret) => {
    const expected = createHmac(
      'sha256',
      typeof secret === 'string' ? secret : new Uint8Array(secret),
    )
      .update(text)
      .digest('hex');
    for (let round = 0; round < 2; round++) {
      const hmac = new KeyedSha256(secret);
      hmac.update(text);
      expect(hex(await hmac.digest())).toBe(expected);
    }
  });

  it('without a secret is SHA-256, readable twice, and starts over on reset', async () => {
    const hash = new KeyedSha256();
    hash.update(text);
    const expected = createHash('sha256').update(text).digest('hex');
    expect(hex(await hash.digest())).toBe(expected);
    expect(hex(await hash.digest())).toBe(expected);
    hash.reset();
    expect(hex(await hash.digest())).toBe(createHash('sha256').digest('hex'));
  });
});
