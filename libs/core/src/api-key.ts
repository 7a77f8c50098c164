import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `ak_<prefix>_<secret>`. The prefix finds the row; only a
 * SHA-256 of the whole key is stored. Keys carry 192 bits of randomness, so a
 * fast hash is enough: there is nothing to brute-force.
 */
const KEY_PATTERN = /^ak_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;

export type IssuedApiKey = { key: string; prefix: string; hash: Buffer };

export function issueApiKey(): IssuedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const key = `ak_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function parseApiKey(key: string): { prefix: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] ? { prefix: match[1] } : undefined;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const candidate = hashApiKey(key);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}
