import type { NotifierConfig } from '@airlock/config';
import { webhookDeliverySchema } from '@airlock/core';
import { PgWebhookOutbox } from '@airlock/postgres';
import type { Logger } from '@airlock/runtime';
import { SqsMessagePublisher } from '@airlock/sqs';
import { WebhookPoster } from '@airlock/webhooks';
import { Counter } from 'prom-client';
import { createWorker, outboxSample } from '@airlock/worker';
import { createWebhookDeliveryHandler } from './handlers/webhook-delivery.handler.ts';
import { EndpointSlots } from './endpoint-slots.ts';
import { OutboxRelay } from './outbox-relay.ts';

/** The i-th retry waits the i-th configured delay; past the list, the last one. */
const retryDelay =
  (delays: readonly number[]) =>
  (receiveCount: number): number =>
    delays[Math.min(receiveCount, delays.length) - 1] ?? 0;

/** The notifier from its config: the composition root shared by main.ts and the tests. */
export function composeNotifier(config: NotifierConfig, logger: Logger) {
  const { queues, delivery } = config;
  const { allowedCidrs, allowHttp, timeoutMs, maxRedirects } = delivery;
  const poster = new WebhookPoster({
    allowedCidrs,
    allowHttp,
    timeoutMs,
    maxRedirects,
    userAgent: 'Airlock-Webhooks/1',
  });
  // Deliveries spend their time on the network, not in Postgres: a small pool serves many.
  const poolSize = Math.min(config.consumer.concurrency + 2, 10);
  return createWorker({ config, logger, poolSize }, ({ pool, sqs, registry, metrics }) => {
    const outbox = new PgWebhookOutbox({ pool });
    const jobs = new SqsMessagePublisher({ sqs }, { queueUrl: queues.webhookJobs });
    // Per process: with several notifiers (SKIP LOCKED), each relays a share.
    const relayedTotal = new Counter({
      name: 'airlock_outbox_relayed_total',
      help: 'Webhook deliveries this process moved from the outbox to the webhook-jobs queue',
      registers: [registry],
    });
    const relay = new OutboxRelay(
      {
        outbox,
        publish: (message) => jobs.publish(message),
        logger,
        relayed: (count) => relayedTotal.inc(count),
      },
      config.relay,
    );
    return {
      queue: { name: 'webhook-jobs', url: queues.webhookJobs, dlqUrl: queues.webhookJobsDlq },
      schema: webhookDeliverySchema,
      background: [relay],
      samples: [outboxSample({ outbox, registry })],
      retryDelaySeconds: retryDelay(delivery.retryDelaysSeconds),
      summary: { allowedCidrs, allowHttp, retryDelaysSeconds: delivery.retryDelaysSeconds },
      handler: createWebhookDeliveryHandler({
        outbox,
        post: (url, body, headers) => poster.post(url, body, headers),
        slots: new EndpointSlots(delivery.maxInFlightPerEndpoint),
        defer: (job, delaySeconds) => jobs.publish(job, { delaySeconds }),
        logger,
        metrics,
        claimSeconds: Math.ceil(timeoutMs / 1000) + 5,
      }),
    };
  });
}
