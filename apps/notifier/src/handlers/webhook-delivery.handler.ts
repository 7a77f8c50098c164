import {
  NO_PIPELINE_METRICS,
  PermanentFailure,
  secondsSince,
  webhookPayload,
  type MessageHandler,
  type PipelineMetrics,
  type WebhookDeliveryJob,
  type WebhookEventSource,
  type WebhookOutbox,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import { inSpan, SpanKind, withUpload } from '@airlock/tracing';
import { ForbiddenDestination, signWebhook, type WebhookResponse } from '@airlock/webhooks';
import type { EndpointSlots } from '../endpoint-slots.ts';

export type WebhookDeliveryDependencies = {
  readonly outbox: Pick<WebhookOutbox, 'find' | 'claim' | 'recordAttempt' | 'abandon'>;
  readonly post: (
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
  ) => Promise<WebhookResponse>;
  readonly slots: EndpointSlots;
  /** Sends the job again, hidden for `delaySeconds`: a fresh message, so no receive is spent. */
  readonly defer: (job: WebhookDeliveryJob, delaySeconds: number) => Promise<unknown>;
  readonly logger: Logger;
  /** How long one attempt may hold its delivery: the POST's timeout and some margin. */
  readonly claimSeconds: number;
  readonly now?: () => Date;
  /** @defaultValue records nothing */
  readonly metrics?: Pick<PipelineMetrics, 'webhookDelivery'>;
};

/** How long a job waits when its endpoint is busy; jittered so deferred jobs spread out. */
const busyDelaySeconds = () => 5 + Math.floor(Math.random() * 6);

const isSuccess = (status: number) => status >= 200 && status < 300;

/**
 * One `webhook.delivery` job: sign the event and POST it. A 2xx settles it; any
 * other answer or a network error is recorded and retried with the queue's
 * backoff, then dead-lettered. A forbidden destination goes to the DLQ at
 * once: only an operator (allow-list) or the customer (a new URL) can fix it,
 * and a replay then delivers. Replays of a delivered job do nothing, and a
 * copy that arrives while another message's attempt holds the delivery
 * stands down (that message comes back if its receiver dies).
 * When the customer's endpoint already has its share of attempts in flight,
 * the job is sent again with a delay rather than wait in a slot.
 */
export function createWebhookDeliveryHandler(
  deps: WebhookDeliveryDependencies,
): MessageHandler<WebhookDeliveryJob> {
  return async (job, { messageId }) => {
    const delivery = await deps.outbox.find(job.deliveryId);
    if (!delivery) {
      throw new PermanentFailure('unknown_delivery', `no webhook delivery ${job.deliveryId}`);
    }
    if (delivery.deliveredAt || delivery.abandonedAt) return 'success';
    const { endpoint } = delivery;
    if (!endpoint) {
      await deps.outbox.abandon(job.deliveryId, 'endpoint_removed');
      return 'success';
    }

    const release = deps.slots.tryAcquire(delivery.customerId);
    if (!release) {
      await deps.defer(job, busyDelaySeconds());
      return 'success';
    }
    try {
      // Another copy of this job is being attempted right now; that attempt
      // settles it. This same message, handed out again after its receiver
      // died mid-attempt, takes its claim back.
      if (!(await deps.outbox.claim(job.deliveryId, messageId, deps.claimSeconds)))
        return 'success';
      await withUpload(delivery.event.uploadId, () =>
        inSpan('deliver webhook', { kind: SpanKind.INTERNAL }, () =>
          attempt(deps, delivery.event, endpoint),
        ),
      );
      return 'success';
    } finally {
      release();
    }
  };
}

/** One signed POST, recorded; throws unless the endpoint answered 2xx. */
async function attempt(
  deps: WebhookDeliveryDependencies,
  event: WebhookEventSource,
  endpoint: { readonly url: string; readonly secret: string },
): Promise<void> {
  const { deliveryId } = event;
  const payload = JSON.stringify(webhookPayload(event));
  const headers = signWebhook(endpoint.secret, deliveryId, (deps.now ?? now)(), payload);
  // `uploadId` comes with every line written inside withUpload.
  const log = deps.logger.child({ deliveryId });
  const metrics = deps.metrics ?? NO_PIPELINE_METRICS;
  const started = performance.now();
  let response: WebhookResponse;
  try {
    response = await deps.post(endpoint.url, payload, { ...headers });
  } catch (error) {
    metrics.webhookDelivery(
      error instanceof ForbiddenDestination ? 'failed' : 'retried',
      secondsSince(started),
    );
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
  metrics.webhookDelivery(delivered ? 'delivered' : 'retried', secondsSince(started));
  await deps.outbox.recordAttempt(deliveryId, {
    status: response.status,
    error: delivered ? undefined : `HTTP ${response.status}`,
    delivered,
  });
  if (!delivered) throw new Error(`webhook answered HTTP ${response.status} from ${response.url}`);
  log.info({ status: response.status, redirects: response.redirects }, 'webhook delivered');
}

const now = () => new Date();
