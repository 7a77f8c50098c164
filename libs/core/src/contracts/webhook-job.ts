import { z } from 'zod';

/** `webhook.delivery` v1: one outbox row the notifier should POST; the row holds the rest. */
export const webhookDeliveryJob = z.object({
  type: z.literal('webhook.delivery'),
  version: z.literal(1),
  deliveryId: z.uuid(),
});

export type WebhookDeliveryJob = z.infer<typeof webhookDeliveryJob>;

export const webhookDeliveryJobFor = (deliveryId: string): WebhookDeliveryJob => ({
  type: 'webhook.delivery',
  version: 1,
  deliveryId,
});
