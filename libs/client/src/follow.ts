import { AirlockApiError } from './errors.ts';

/** States an upload never leaves (`ready` content may still be quarantined later by a rescan). */
export const TERMINAL_STATES = ['ready', 'rejected', 'quarantined', 'expired'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export function isTerminalState(state: string): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** How `GET /v1/uploads/:id` is polled: waits grow by `factor` from `initialDelayMs` to `maxDelayMs`. */
export type PollPolicy = {
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  /** Give up (an `AirlockTimeoutError`) when no terminal state came within this long. */
  readonly timeoutMs: number;
};

/**
 * Verification takes about a second, a scan a few more, large videos longer:
 * first look after 500 ms, then at most every 5 s, for up to 30 minutes.
 */
export const DEFAULT_POLL: PollPolicy = {
  initialDelayMs: 500,
  factor: 1.5,
  maxDelayMs: 5_000,
  timeoutMs: 30 * 60_000,
};

/**
 * The wait before poll number `poll` (1 = the first look). A `Retry-After`
 * the API sent (seconds) is a floor, capped by the policy's maximum.
 */
export function pollDelay(poll: number, policy: PollPolicy, retryAfterSeconds?: number): number {
  const grown = policy.initialDelayMs * policy.factor ** Math.max(0, poll - 1);
  const floor = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : 0;
  return Math.round(Math.min(policy.maxDelayMs, Math.max(grown, floor)));
}

/**
 * What a `POST /v1/uploads` refusal means for a client: `upload_in_progress`
 * (409) is not a failure but "the same content is on its way in upload
 * `uploadId`": wait `retryAfterSeconds`, then follow that upload. Anything
 * else stays an error.
 */
export function inProgressOf(
  error: unknown,
): { readonly uploadId: string; readonly retryAfterSeconds: number | undefined } | undefined {
  if (!(error instanceof AirlockApiError) || error.code !== 'upload_in_progress') return undefined;
  const uploadId = error.details.uploadId;
  if (typeof uploadId !== 'string') return undefined;
  return { uploadId, retryAfterSeconds: error.retryAfterSeconds };
}
