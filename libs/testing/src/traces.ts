import type { ReceivedSpan } from '@airlock/dev-stack';

/** The local stack's trace receiver (the emulators process, AIRLOCK_DEV_OTLP_URL). */
const receiverUrl = (): string => {
  const url = process.env.AIRLOCK_DEV_OTLP_URL;
  if (!url) throw new Error('AIRLOCK_DEV_OTLP_URL is not set: is the local stack up?');
  return url;
};

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${receiverUrl()}${path}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** The spans of one trace the stack's processes exported so far, in start order. */
export const receivedTrace = (traceId: string): Promise<ReceivedSpan[]> =>
  get(`/traces/${traceId}`);

/** The ids of the traces with a span for this upload (`airlock.upload.id`). */
export const tracesOfUpload = (uploadId: string): Promise<string[]> =>
  get(`/traces?upload=${encodeURIComponent(uploadId)}`);
