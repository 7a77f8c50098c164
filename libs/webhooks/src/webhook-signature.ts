import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export type WebhookSignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/**
 * What a customer's receiver does, with the reference library: the payload
 * when the signature and timestamp (±5 min) check out; throws otherwise.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): unknown {
  const header = (name: string) => String(headers[name] ?? '');
  return new Webhook(secret).verify(body, {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  });
}

/** 24 random bytes in the Standard Webhooks secret format, `whsec_<base64>`. */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/**
 * Standard Webhooks headers: HMAC-SHA256 over `id.timestamp.body`. The
 * timestamp is signed, so a receiver can refuse replays outside its tolerance
 * (the libraries default to five minutes); the id is stable across retries.
 */
export function signWebhook(
  secret: string,
  id: string,
  sentAt: Date,
  body: string,
): WebhookSignatureHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, sentAt, body),
  };
}
