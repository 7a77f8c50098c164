/** How failed requests are retried: exponential backoff with full jitter. */
export type RetryPolicy = {
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  /** The backoff ceiling of the first retry, in milliseconds; doubled on each further one. */
  readonly baseDelayMs: number;
  /** No wait is longer than this. */
  readonly maxDelayMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 };

/** What happened to one attempt. */
export type AttemptOutcome =
  | { readonly kind: 'network' }
  | { readonly kind: 'status'; readonly status: number; readonly body?: string };

export type RetryDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  /** The presigned URL expired: ask the API for a fresh one, then send again. */
  | { readonly action: 'renew-url'; readonly delayMs: 0 }
  | { readonly action: 'fail'; readonly reason: string };

/**
 * Whether a storage answer says the presigned URL has expired. S3 (and the
 * local emulator) answer 403 AccessDenied "Request has expired"; a 403 after
 * the URL's own `expiresAt` counts too (some stores say less).
 */
export function isExpiredUrl(
  outcome: AttemptOutcome,
  urlExpiresAt?: Date,
  now: Date = new Date(),
): boolean {
  if (outcome.kind !== 'status' || outcome.status !== 403) return false;
  if (/request has expired|expired token|<Code>ExpiredToken<\/Code>/i.test(outcome.body ?? ''))
    return true;
  return urlExpiresAt !== undefined && now.getTime() >= urlExpiresAt.getTime();
}

/** Transient: the network, a 5xx, or a store or API asking us to slow down (408, 429). */
export function isTransient(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'network') return true;
  return outcome.status >= 500 || outcome.status === 408 || outcome.status === 429;
}

/** The wait before retry number `retry` (1 = the first retry): uniform in [0, min(max, base·2^(retry-1))]. */
export function backoffDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * What to do after attempt number `attempt` (1-based) failed. Transient
 * failures are retried with backoff until `maxAttempts`; an expired URL is
 * renewed (bounded by the same count); any other 4xx is final, since sending
 * the same request again cannot change the answer.
 */
export function decideRetry(
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy,
  options: { urlExpiresAt?: Date; now?: Date; random?: () => number } = {},
): RetryDecision {
  const describe = outcome.kind === 'network' ? 'a network error' : `HTTP ${outcome.status}`;
  if (attempt >= policy.maxAttempts)
    return { action: 'fail', reason: `${describe} after ${attempt} attempts` };
  if (isExpiredUrl(outcome, options.urlExpiresAt, options.now))
    return { action: 'renew-url', delayMs: 0 };
  if (isTransient(outcome))
    return { action: 'retry', delayMs: backoffDelay(attempt, policy, options.random) };
  return { action: 'fail', reason: `${describe} is not retried` };
}
