import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export type WebhookSignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

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
