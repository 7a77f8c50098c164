import { PgWebhookOutbox, type Pool } from '../src/index.ts';
import { pgWorld, useTestDatabase } from './test-database.ts';

// The outbox's relay (not part of core's port: only the notifier's relay loop
// uses it) and the delivery history the ops CLI shows.

let pool: Pool;
useTestDatabase((created) => (pool = created));

const relayAll = (outbox: PgWebhookOutbox) => outbox.relay(1000, async (ids) => ids);

/** `count` deliveries of uploads that became ready, oldest first. */
async function deliveries(count: number): Promise<string[]> {
  const world = pgWorld(pool);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const upload = await world.seed({ state: 'clean', webhookEndpoint: true });
    await world.uploads.transition({ uploadId: upload.id, to: 'ready', actor: 'test' });
    ids.push(...(await world.deliveries(upload.id)).map((d) => d.id));
  }
  return ids;
}

describe('PgWebhookOutbox.relay', () => {
  const outbox = () => new PgWebhookOutbox({ pool });
  beforeEach(async () => {
    await relayAll(outbox());
  });

  it('hands out unqueued deliveries oldest first, up to the limit, and queues each once', async () => {
    const ids = await deliveries(3);
    const handed: string[][] = [];
    const send = async (batch: string[]) => (handed.push(batch), batch);
    await expect(outbox().relay(2, send)).resolves.toBe(2);
    await expect(outbox().relay(2, send)).resolves.toBe(1);
    await expect(outbox().relay(2, send)).resolves.toBe(0);
    expect(handed).toEqual([ids.slice(0, 2), ids.slice(2)]);
  });

  it('leaves what was not sent for the next round, and everything when sending fails', async () => {
    const ids = await deliveries(3);
    await expect(outbox().relay(10, async (batch) => batch.slice(0, 1))).resolves.toBe(1);
    await expect(
      outbox().relay(10, async () => {
        throw new Error('queue down');
      }),
    ).rejects.toThrow('queue down');
    let left: string[] = [];
    await outbox().relay(10, async (batch) => (left = batch));
    expect(left).toEqual(ids.slice(1));
  });

  it('skips the rows another relay holds: two relays at once never hand out the same delivery', async () => {
    const ids = await deliveries(4);
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let first: string[] = [];
    let second: string[] = [];
    const firstRelay = outbox().relay(2, async (batch) => {
      first = batch;
      await firstHolds;
      return batch;
    });
    while (first.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await outbox().relay(10, async (batch) => (second = batch));
    releaseFirst();
    await expect(firstRelay).resolves.toBe(2);
    expect(first).toEqual(ids.slice(0, 2));
    expect(second).toEqual(ids.slice(2));
  });

  it('records each delivery of an upload with its attempts for the ops CLI', async () => {
    const [id] = await deliveries(1);
    await relayAll(outbox());
    await outbox().claim(id!, 'message-1', 60);
    await outbox().recordAttempt(id!, { status: 500, error: 'x'.repeat(3000), delivered: false });
    const { rows } = await pool.query('SELECT upload_id FROM webhook_deliveries WHERE id = $1', [
      id,
    ]);
    const [record] = await outbox().forUpload(rows[0].upload_id);
    expect(record).toMatchObject({
      id,
      type: 'upload.ready',
      queuedAt: expect.any(Date),
      attempts: 1,
      lastStatus: 500,
      deliveredAt: undefined,
      abandonedAt: undefined,
    });
    expect(record!.lastError).toHaveLength(2000);
  });
});
