import {
  parseMessage,
  PermanentFailure,
  webhookDeliveryJob,
  webhookPayload,
  type MessageHandler,
} from '@airlock/core';
import type { PgWebhookOutbox } from '@airlock/postgres';
import type { Logger } from '@airlock/runtime';
import { ForbiddenDestination, signWebhook, type WebhookResponse } from '@airlock/webhooks';

export type WebhookDeliveryDependencies = {
  readonly outbox: Pick<PgWebhookOutbox, 'find' | 'claim' | 'recordAttempt' | 'abandon'>;
  readonly post: (
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
  ) => Promise<WebhookResponse>;
  readonly logger: Logger;
  /** How long one attempt may hold its delivery: the POST's timeout and some margin. */
  readonly claimSeconds: number;
  readonly now?: () => Date;
};

const isSuccess = (status: number) => status >= 200 && status < 300;

/**
 * One `webhook.delivery` job: sign the event and POST it. A 2xx settles it; any
 * other answer or a network error is recorded and retried with the queue's
 * backoff, then dead-lettered. A forbidden destination goes to the DLQ at
 * once: only an operator (allow-list) or the customer (a new URL) can fix it,
 * and a replay then delivers. Replays of a delivered job do nothing, and a
 * copy that arrives while another attempt holds the delivery stands down.
 */
export function createWebhookDeliveryHandler(deps: WebhookDeliveryDependencies): MessageHandler {
  const now = deps.now ?? (() => new Date());
  return async (body) => {
    const { deliveryId } = parseMessage(webhookDeliveryJob, body);
    const delivery = await deps.outbox.find(deliveryId);
    if (!delivery) {
      throw new PermanentFailure('unknown_delivery', `no webhook delivery ${deliveryId}`);
    }
    if (delivery.deliveredAt || delivery.abandonedAt) return 'success';
    if (!delivery.endpoint) {
      await deps.outbox.abandon(deliveryId, 'endpoint_removed');
      return 'success';
    }

    // A copy of this job is being attempted right now; that attempt settles it.
    if (!(await deps.outbox.claim(deliveryId, deps.claimSeconds))) return 'success';

    const payload = JSON.stringify(webhookPayload(delivery.event));
    const headers = signWebhook(delivery.endpoint.secret, deliveryId, now(), payload);
    const log = deps.logger.child({ deliveryId, uploadId: delivery.event.uploadId });
    let response: WebhookResponse;
    try {
      response = await deps.post(delivery.endpoint.url, payload, { ...headers });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await deps.outbox.recordAttempt(deliveryId, {
        status: undefined,
        error: message,
        delivered: false,
      });
      if (error instanceof ForbiddenDestination) {
        log.warn({ err: error }, 'webhook destination refused');
        throw new PermanentFailure('forbidden_destination', message);
      }
      throw error;
    }

    const delivered = isSuccess(response.status);
    await deps.outbox.recordAttempt(deliveryId, {
      status: response.status,
      error: delivered ? undefined : `HTTP ${response.status}`,
      delivered,
    });
    if (!delivered)
      throw new Error(`webhook answered HTTP ${response.status} from ${response.url}`);
    log.info({ status: response.status, redirects: response.redirects }, 'webhook delivered');
    return 'success';
  };
}
