import type { NotifierConfig } from '@airlock/config';
import { createPool, PgMessageFailures, PgWebhookOutbox, ping } from '@airlock/postgres';
import { memoizedClose, type Logger, type ReadinessCheck } from '@airlock/runtime';
import { createSqsClient, probeQueue, QueueConsumer, SqsMessagePublisher } from '@airlock/sqs';
import { WebhookPoster } from '@airlock/webhooks';
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
  // Deliveries spend their time on the network, not in Postgres: a small pool serves many.
  const pool = createPool(config.databaseUrl, {
    max: Math.min(config.consumer.concurrency + 2, 10),
  });
  const sqs = createSqsClient(config.aws.sqs);
  const outbox = new PgWebhookOutbox({ pool });
  const failures = new PgMessageFailures({ pool });
  const { allowedCidrs, allowHttp, timeoutMs, maxRedirects } = config.delivery;
  const poster = new WebhookPoster({
    allowedCidrs,
    allowHttp,
    timeoutMs,
    maxRedirects,
    userAgent: 'Airlock-Webhooks/1',
  });

  const jobs = new SqsMessagePublisher({ sqs }, { queueUrl: config.queues.webhookJobs });
  const relay = new OutboxRelay(
    { outbox, publish: (message) => jobs.publish(message), logger },
    config.relay,
  );

  const consumer = new QueueConsumer(
    {
      sqs,
      logger,
      handler: createWebhookDeliveryHandler({
        outbox,
        post: (url, body, headers) => poster.post(url, body, headers),
        slots: new EndpointSlots(config.delivery.maxInFlightPerEndpoint),
        defer: (job, delaySeconds) => jobs.publish(job, { delaySeconds }),
        logger,
        claimSeconds: Math.ceil(config.delivery.timeoutMs / 1000) + 5,
      }),
      onFailure: (failure) => failures.record(failure),
    },
    {
      queue: 'webhook-jobs',
      queueUrl: config.queues.webhookJobs,
      dlqUrl: config.queues.webhookJobsDlq,
      ...config.consumer,
      retryDelaySeconds: retryDelay(config.delivery.retryDelaysSeconds),
    },
  );

  const readiness: ReadinessCheck[] = [
    { name: 'postgres', check: () => ping(pool) },
    { name: 'sqs', check: () => probeQueue(sqs, config.queues.webhookJobs) },
  ];

  return {
    relay,
    consumer,
    readiness,
    start: () => {
      relay.start();
      consumer.start();
    },
    /** Stops relaying and polling, lets in-flight deliveries finish, then closes the clients. */
    close: memoizedClose(
      [() => relay.close(), () => consumer.close(), () => pool.end(), () => sqs.destroy()],
      logger,
    ),
  };
}
