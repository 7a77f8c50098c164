import { backoffDelay, decideRetry, DEFAULT_RETRY, isExpiredUrl, isTransient } from './retry.ts';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
const top = () => 0.999_999;
const S3_EXPIRED =
  '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>';

describe('backoffDelay', () => {
  it('doubles the ceiling per retry and caps it', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, top))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
  });

  it('is full jitter: anywhere from 0 up to the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });

  it('defaults: 500 ms doubling, at most 20 s, 6 attempts', () => {
    expect(DEFAULT_RETRY).toEqual({ maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 });
    expect(backoffDelay(10, DEFAULT_RETRY, top)).toBe(19_999);
  });
});

describe('decideRetry', () => {
  it('retries network errors and 5xx with a growing backoff', () => {
    expect(decideRetry({ kind: 'network' }, 1, policy, { random: top })).toEqual({
      action: 'retry',
      delayMs: 99,
    });
    for (const status of [500, 502, 503, 504])
      expect(decideRetry({ kind: 'status', status }, 2, policy, { random: top })).toEqual({
        action: 'retry',
        delayMs: 199,
      });
  });

  it('retries 408 and 429 (slow down), not other 4xx', () => {
    expect(decideRetry({ kind: 'status', status: 429 }, 1, policy).action).toBe('retry');
    expect(decideRetry({ kind: 'status', status: 408 }, 1, policy).action).toBe('retry');
    for (const status of [400, 401, 403, 404, 409, 413, 422])
      expect(decideRetry({ kind: 'status', status, body: 'BadDigest' }, 1, policy)).toEqual({
        action: 'fail',
        reason: `HTTP ${status} is not retried`,
      });
  });

  it('gives up after maxAttempts', () => {
    expect(decideRetry({ kind: 'network' }, 5, policy)).toEqual({
      action: 'fail',
      reason: 'a network error after 5 attempts',
    });
    expect(decideRetry({ kind: 'status', status: 503 }, 4, policy).action).toBe('retry');
  });

  it('renews an expired URL instead of failing or waiting', () => {
    expect(decideRetry({ kind: 'status', status: 403, body: S3_EXPIRED }, 1, policy)).toEqual({
      action: 'renew-url',
      delayMs: 0,
    });
    // A bare 403 once the URL's own expiry has passed counts as expired too.
    const expiresAt = new Date('2026-11-29T12:00:00Z');
    expect(
      decideRetry({ kind: 'status', status: 403, body: '' }, 1, policy, {
        urlExpiresAt: expiresAt,
        now: new Date('2026-11-29T12:00:01Z'),
      }).action,
    ).toBe('renew-url');
    expect(
      decideRetry({ kind: 'status', status: 403, body: 'SignatureDoesNotMatch' }, 1, policy, {
        urlExpiresAt: expiresAt,
        now: new Date('2026-11-29T11:00:00Z'),
      }).action,
    ).toBe('fail');
  });
});

describe('classification', () => {
  it('isExpiredUrl only for 403s that say so (or come after the expiry)', () => {
    expect(isExpiredUrl({ kind: 'status', status: 403, body: S3_EXPIRED })).toBe(true);
    expect(isExpiredUrl({ kind: 'status', status: 400, body: S3_EXPIRED })).toBe(false);
    expect(isExpiredUrl({ kind: 'network' })).toBe(false);
    expect(isExpiredUrl({ kind: 'status', status: 403, body: '<Code>AccessDenied</Code>' })).toBe(
      false,
    );
  });

  it('isTransient', () => {
    expect(isTransient({ kind: 'network' })).toBe(true);
    expect(isTransient({ kind: 'status', status: 500 })).toBe(true);
    expect(isTransient({ kind: 'status', status: 400 })).toBe(false);
  });
});
