/**
 * How long a presigned PUT stays valid: long enough for a slow client to send
 * the declared size, short enough that a leaked URL is soon worthless.
 */
export type ExpiryPolicy = {
  /** Seconds granted to any upload, however small. @defaultValue 60 */
  readonly minSeconds: number;
  /** Slowest client bandwidth we plan for, in bytes per second. @defaultValue 131072 (1 Mbit/s) */
  readonly floorBytesPerSecond: number;
  /** Upper bound, whatever the size. @defaultValue 3600 */
  readonly maxSeconds: number;
};

export const DEFAULT_EXPIRY_POLICY: ExpiryPolicy = {
  minSeconds: 60,
  floorBytesPerSecond: 128 * 1024,
  maxSeconds: 3600,
};

export function uploadUrlLifetimeSeconds(sizeBytes: number, policy: ExpiryPolicy): number {
  const transferSeconds = Math.ceil(sizeBytes / policy.floorBytesPerSecond);
  return Math.min(policy.maxSeconds, policy.minSeconds + transferSeconds);
}
