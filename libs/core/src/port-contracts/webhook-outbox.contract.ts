import { randomUUID } from 'node:crypto';
import type { UploadProgress, WebhookOutbox } from '../workers/worker.ports.ts';
import { portContract, type UploadWorld } from './upload-world.ts';

export type WebhookOutboxSubject = UploadWorld & {
  readonly outbox: WebhookOutbox;
  /** Moves uploads: a final move of a customer with an endpoint is what fills the outbox. */
  readonly uploads: UploadProgress;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The behaviour every {@link WebhookOutbox} shares: one attempt at a time, delivered once. */
export const describeWebhookOutboxContract = portContract<WebhookOutboxSubject>(
  'WebhookOutbox',
  (subject) => {
    /** A delivery of `clean → rejected` for a customer with an endpoint. */
    async function delivery() {
      const { seed, uploads, deliveries } = subject();
      const upload = await seed({ state: 'clean', webhookEndpoint: true });
      await uploads.transition({
        uploadId: upload.id,
        to: 'rejected',
        reason: 'content_replaced',
        actor: 'contract',
      });
      const [queued] = await deliveries(upload.id);
      return { upload, deliveryId: queued!.id };
    }

    it('finds a delivery with its event, its customer and the endpoint', async () => {
      const { upload, deliveryId } = await delivery();
      const found = await subject().outbox.find(deliveryId);
      expect(found).toEqual({
        event: {
          deliveryId,
          uploadId: upload.id,
          siteId: upload.siteId,
          state: 'rejected',
          reason: 'content_replaced',
          occurredAt: expect.any(Date),
          fileName: upload.originalName,
          contentType: upload.declaredContentType,
          size: upload.declaredSize,
          sha256: upload.declaredSha256,
        },
        customerId: upload.customerId,
        attempts: 0,
        deliveredAt: undefined,
        abandonedAt: undefined,
        endpoint: { url: expect.stringMatching(/^https?:\/\//), secret: expect.any(String) },
      });
      await expect(subject().outbox.find(randomUUID())).resolves.toBeUndefined();
    });

    it('answers no endpoint once the customer removed it', async () => {
      const { upload, deliveryId } = await delivery();
      await subject().removeEndpoint(upload.customerId);
      await expect(subject().outbox.find(deliveryId)).resolves.toMatchObject({
        endpoint: undefined,
      });
    });

    it('holds a claim until the attempt is recorded, counting attempts', async () => {
      const { outbox } = subject();
      const { deliveryId } = await delivery();
      await expect(outbox.claim(deliveryId, 'message-1', 60)).resolves.toBe(true);
      await expect(outbox.claim(deliveryId, 'message-2', 60)).resolves.toBe(false);
      await outbox.recordAttempt(deliveryId, { status: 503, error: 'busy', delivered: false });
      await expect(outbox.find(deliveryId)).resolves.toMatchObject({
        attempts: 1,
        deliveredAt: undefined,
      });
      await expect(outbox.claim(deliveryId, 'message-2', 60)).resolves.toBe(true);
    });

    it('gives a claim back to its holder: the message whose last receiver died mid-attempt', async () => {
      const { outbox } = subject();
      const { deliveryId } = await delivery();
      await expect(outbox.claim(deliveryId, 'message-1', 60)).resolves.toBe(true);
      await expect(outbox.claim(deliveryId, 'message-1', 60)).resolves.toBe(true);
      await expect(outbox.claim(deliveryId, 'message-2', 60)).resolves.toBe(false);
    });

    it('lets exactly one of two racing claims win', async () => {
      const { outbox } = subject();
      const { deliveryId } = await delivery();
      const claims = await Promise.all([
        outbox.claim(deliveryId, 'message-1', 60),
        outbox.claim(deliveryId, 'message-2', 60),
      ]);
      expect(claims.toSorted()).toEqual([false, true]);
    });

    it('lets a claim lapse after its seconds (a crashed attempt)', async () => {
      const { outbox } = subject();
      const { deliveryId } = await delivery();
      await expect(outbox.claim(deliveryId, 'message-1', 0.2)).resolves.toBe(true);
      await expect(outbox.claim(deliveryId, 'message-2', 0.2)).resolves.toBe(false);
      await sleep(400);
      await expect(outbox.claim(deliveryId, 'message-2', 60)).resolves.toBe(true);
    });

    it('is claimed no more once delivered', async () => {
      const { outbox } = subject();
      const { deliveryId } = await delivery();
      await outbox.claim(deliveryId, 'message-1', 60);
      await outbox.recordAttempt(deliveryId, { status: 204, error: undefined, delivered: true });
      await expect(outbox.find(deliveryId)).resolves.toMatchObject({
        attempts: 1,
        deliveredAt: expect.any(Date),
      });
      await expect(outbox.claim(deliveryId, 'message-1', 60)).resolves.toBe(false);
    });

    it('is claimed no more once abandoned; the first abandonment stands', async () => {
      const { outbox } = subject();
      const { deliveryId } = await delivery();
      await outbox.abandon(deliveryId, 'endpoint_removed');
      const first = (await outbox.find(deliveryId))!.abandonedAt;
      expect(first).toBeInstanceOf(Date);
      await expect(outbox.claim(deliveryId, 'message-1', 60)).resolves.toBe(false);
      await sleep(20);
      await outbox.abandon(deliveryId, 'again');
      await expect(outbox.find(deliveryId)).resolves.toMatchObject({ abandonedAt: first });
    });

    it('claims nothing for an unknown delivery', async () => {
      await expect(subject().outbox.claim(randomUUID(), 'message-1', 60)).resolves.toBe(false);
    });
  },
);
