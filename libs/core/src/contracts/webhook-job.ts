import { z } from 'zod';

/** `webhook.delivery` v1: one outbox row the notifier should POST; the row holds the rest. */
export const webhookDeliverySchema = z.object({
  type: z.literal('webhook.delivery'),
  version: z.literal(1),
  deliveryId: z.uuid(),
});

export type WebhookDeliveryJob = z.infer<typeof webhookDeliverySchema>;

/** The `webhook.delivery` job for one outbox row. */
export const webhookDelivery = (deliveryId: string): WebhookDeliveryJob => ({
  type: 'webhook.delivery',
  version: 1,
  deliveryId,
});
