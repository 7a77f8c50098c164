import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '@airlock/core';
import { timestamp } from './response.primitives.ts';

export type WebhookRegistration = {
  readonly url: string;
  readonly secret: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

export const webhookSchema = z.strictObject({
  url: z.url(),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .describe('The events POSTed to the URL: every upload that reaches a terminal state.'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const webhookWithSecretSchema = webhookSchema.extend({
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/)
    .describe('Verifies the `webhook-signature` header (Standard Webhooks); keep it secret.'),
});

/** `PUT /v1/webhook`: with the secret only when it was made (creation, rotation). */
export const putWebhookResponseSchema = z.xor([webhookWithSecretSchema, webhookSchema]);

type Webhook = z.infer<typeof webhookSchema>;
type WebhookWithSecret = z.infer<typeof webhookWithSecretSchema>;

/** The customer's endpoint, without the secret unless asked (a PUT that created or rotated it). */
export function presentWebhook(
  endpoint: WebhookRegistration,
  withSecret: boolean,
): Webhook | WebhookWithSecret {
  const rest = {
    events: [...WEBHOOK_EVENT_TYPES],
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
  return withSecret
    ? { url: endpoint.url, secret: endpoint.secret, ...rest }
    : { url: endpoint.url, ...rest };
}
