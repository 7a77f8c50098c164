import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '@airlock/core';

export const putWebhookBody = z.strictObject({
  url: z.string().min(1).max(2048),
  rotateSecret: z.boolean().optional(),
});

export type WebhookRegistration = {
  readonly url: string;
  readonly secret: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** The customer's endpoint, without the secret unless asked (a PUT that created or rotated it). */
export function presentWebhook(endpoint: WebhookRegistration, withSecret: boolean) {
  return {
    url: endpoint.url,
    ...(withSecret ? { secret: endpoint.secret } : {}),
    events: WEBHOOK_EVENT_TYPES,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
