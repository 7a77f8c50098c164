import { apiKeyMatches, hashApiKey, issueApiKey, parseApiKey } from './api-key.ts';

describe('issueApiKey', () => {
  it('issues ak_<12 hex>_<32 base64url> keys whose prefix is their own', () => {
    const issued = issueApiKey();
    expect(issued.key).toMatch(/^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(issued.key.startsWith(`ak_${issued.prefix}_`)).toBe(true);
  });

  it('issues keys that parse back to their prefix', () => {
    const issued = issueApiKey();
    expect(parseApiKey(issued.key)).toEqual({ prefix: issued.prefix });
  });

  it('stores the SHA-256 of the whole key, never the key', () => {
    const issued = issueApiKey();
    expect(issued.hash).toHaveLength(32);
    expect(issued.hash.equals(hashApiKey(issued.key))).toBe(true);
    expect(issued.hash.toString('utf8')).not.toContain(issued.key);
  });

  it('never issues the same key twice', () => {
    const keys = new Set(Array.from({ length: 50 }, () => issueApiKey().key));
    expect(keys.size).toBe(50);
  });
});

describe('hashApiKey', () => {
  it('is plain SHA-256', () => {
    expect(hashApiKey('hello').toString('hex')).toBe(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
  });
});

describe('apiKeyMatches', () => {
  it('accepts the issued key', () => {
    const issued = issueApiKey();
    expect(apiKeyMatches(issued.key, issued.hash)).toBe(true);
  });

  it('refuses another key, even with the same prefix', () => {
    const issued = issueApiKey();
    const other = issueApiKey();
    const samePrefix = `ak_${issued.prefix}_${'A'.repeat(32)}`;
    expect(apiKeyMatches(other.key, issued.hash)).toBe(false);
    expect(apiKeyMatches(samePrefix, issued.hash)).toBe(false);
  });

  it('refuses a stored hash of the wrong length without throwing', () => {
    const issued = issueApiKey();
    expect(apiKeyMatches(issued.key, issued.hash.subarray(0, 16))).toBe(false);
    expect(apiKeyMatches(issued.key, Buffer.alloc(0))).toBe(false);
  });
});

describe('parseApiKey', () => {
  const secret = 'abcdefghijklmnopqrstuvwxyzAB_-09';

  it('accepts a well-formed key', () => {
    expect(parseApiKey(`ak_0123456789ab_${secret}`)).toEqual({ prefix: '0123456789ab' });
  });

  it.each([
    ['empty', ''],
    ['no secret', 'ak_0123456789ab'],
    ['wrong scheme', `bk_0123456789ab_${secret}`],
    ['upper-case scheme', `AK_0123456789ab_${secret}`],
    ['short prefix', `ak_0123456789a_${secret}`],
    ['long prefix', `ak_0123456789abc_${secret}`],
    ['upper-case prefix', `ak_0123456789AB_${secret}`],
    ['short secret', `ak_0123456789ab_${secret.slice(1)}`],
    ['long secret', `ak_0123456789ab_${secret}x`],
    ['non-base64url secret', `ak_0123456789ab_${secret.slice(1)}+`],
    ['padding', `ak_0123456789ab_${secret.slice(1)}=`],
    ['leading space', ` ak_0123456789ab_${secret}`],
    ['trailing newline', `ak_0123456789ab_${secret}\n`],
    ['bearer scheme included', `Bearer ak_0123456789ab_${secret}`],
  ])('rejects %s', (_label, key) => {
    expect(parseApiKey(key)).toBeUndefined();
  });
});
