import { randomUUID } from 'node:crypto';
import {
  PermanentFailure,
  webhookDelivery,
  type PendingWebhook,
  type WebhookDeliveryJob,
} from '@airlock/core';
import { InMemoryWebhookOutbox } from '@airlock/core/testing';
import { ForbiddenDestination, type WebhookResponse } from '@airlock/webhooks';
import { pino } from 'pino';
import { EndpointSlots } from '../endpoint-slots.ts';
import { createWebhookDeliveryHandler } from './webhook-delivery.handler.ts';

const context = { queue: 'test', messageId: 'message-1', receiveCount: 1 };

type Post = (url: string, body: string) => Promise<WebhookResponse>;

function setup(options: { post?: Post; endpoint?: PendingWebhook['endpoint'] | null } = {}) {
  const outbox = new InMemoryWebhookOutbox();
  const deliveryId = randomUUID();
  outbox.add({
    event: {
      deliveryId,
      uploadId: randomUUID(),
      siteId: 'site-1',
      state: 'ready',
      reason: undefined,
      occurredAt: new Date('2026-01-01T00:00:00Z'),
      fileName: 'photo.png',
      contentType: 'image/png',
      size: 10,
      sha256: 'a'.repeat(64),
    },
    customerId: 'customer-1',
    attempts: 0,
    deliveredAt: undefined,
    abandonedAt: undefined,
    endpoint:
      options.endpoint === null
        ? undefined
        : (options.endpoint ?? { url: 'https://hooks.example/airlock', secret: 'whsec_test' }),
  });
  const posts: { url: string; body: string; headers: Readonly<Record<string, string>> }[] = [];
  const deferred: { job: WebhookDeliveryJob; delaySeconds: number }[] = [];
  const slots = new EndpointSlots(1);
  const handler = createWebhookDeliveryHandler({
    outbox,
    post: async (url, body, headers) => {
      posts.push({ url, body, headers });
      return (options.post ?? (async (u) => ({ status: 204, url: u, redirects: 0 })))(url, body);
    },
    slots,
    defer: async (job, delaySeconds) => deferred.push({ job, delaySeconds }),
    logger: pino({ enabled: false }),
    claimSeconds: 30,
    now: () => new Date('2026-01-01T00:00:01Z'),
  });
  const job = webhookDelivery(deliveryId);
  return { outbox, deliveryId, posts, deferred, slots, handler, job };
}

describe('webhook-delivery handler', () => {
  it('posts the signed event once and records it delivered', async () => {
    const { outbox, deliveryId, posts, handler, job } = setup();
    await expect(handler(job, context)).resolves.toBe('success');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.url).toBe('https://hooks.example/airlock');
    expect(JSON.parse(posts[0]!.body)).toMatchObject({
      type: 'upload.ready',
      data: { state: 'ready' },
    });
    expect(Object.keys(posts[0]!.headers).length).toBeGreaterThan(0);
    expect(outbox.attempts).toMatchObject([{ deliveryId, status: 204, delivered: true }]);
  });

  it('does nothing on a replay of a delivered job', async () => {
    const { outbox, posts, handler, job } = setup();
    await handler(job, context);
    await handler(job, context);
    expect(posts).toHaveLength(1);
    expect(outbox.attempts).toHaveLength(1);
  });

  it('records a non-2xx answer and throws a plain error so the queue retries', async () => {
    const { outbox, handler, job } = setup({
      post: async (url) => ({ status: 503, url, redirects: 0 }),
    });
    const failure = handler(job, context);
    await expect(failure).rejects.toThrow('HTTP 503');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
    expect(outbox.attempts).toMatchObject([{ status: 503, error: 'HTTP 503', delivered: false }]);
  });

  it('records a network error and rethrows it (transient)', async () => {
    const { outbox, handler, job } = setup({
      post: async () => {
        throw new Error('ECONNRESET');
      },
    });
    const failure = handler(job, context);
    await expect(failure).rejects.toThrow('ECONNRESET');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
    expect(outbox.attempts).toMatchObject([{ status: undefined, error: 'ECONNRESET' }]);
  });

  it('delivers on a retry after a failed attempt', async () => {
    let calls = 0;
    const { outbox, handler, job } = setup({
      post: async (url) => ({ status: ++calls === 1 ? 500 : 200, url, redirects: 0 }),
    });
    await expect(handler(job, context)).rejects.toThrow();
    await expect(handler(job, context)).resolves.toBe('success');
    expect(outbox.attempts.map((a) => a.delivered)).toEqual([false, true]);
  });

  it('dead-letters a forbidden destination at once (PermanentFailure)', async () => {
    const { outbox, handler, job } = setup({
      post: async () => {
        throw new ForbiddenDestination('10.0.0.1 is a private address');
      },
    });
    await expect(handler(job, context)).rejects.toMatchObject({
      constructor: PermanentFailure,
      reason: 'forbidden_destination',
    });
    expect(outbox.attempts).toHaveLength(1);
  });

  it('abandons the delivery when the endpoint was removed, without posting', async () => {
    const { outbox, deliveryId, posts, handler, job } = setup({ endpoint: null });
    await expect(handler(job, context)).resolves.toBe('success');
    expect(posts).toHaveLength(0);
    expect(outbox.abandoned).toEqual([{ deliveryId, reason: 'endpoint_removed' }]);
    await handler(job, context);
    expect(outbox.abandoned).toHaveLength(1);
  });

  it('stands down when another message holds the delivery', async () => {
    const { outbox, deliveryId, posts, handler, job } = setup();
    await outbox.claim(deliveryId, 'message-2');
    await expect(handler(job, context)).resolves.toBe('success');
    expect(posts).toHaveLength(0);
  });

  it('attempts the delivery its own message still holds: that receiver died mid-attempt', async () => {
    const { outbox, deliveryId, posts, handler, job } = setup();
    await outbox.claim(deliveryId, context.messageId);
    await expect(handler(job, { ...context, receiveCount: 2 })).resolves.toBe('success');
    expect(posts).toHaveLength(1);
  });

  it('defers the job when the endpoint has no free slot', async () => {
    const { deliveryId, posts, deferred, slots, handler, job } = setup();
    const release = slots.tryAcquire('customer-1');
    await expect(handler(job, context)).resolves.toBe('success');
    release?.();
    expect(posts).toHaveLength(0);
    expect(deferred).toHaveLength(1);
    expect(deferred[0]!.job.deliveryId).toBe(deliveryId);
    expect(deferred[0]!.delaySeconds).toBeGreaterThanOrEqual(5);
  });

  it('fails permanently on an unknown delivery', async () => {
    const { handler } = setup();
    await expect(handler(webhookDelivery(randomUUID()), context)).rejects.toMatchObject({
      reason: 'unknown_delivery',
    });
  });
});
