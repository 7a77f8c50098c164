import { pino } from 'pino';
import { jittered, OutboxRelay } from './outbox-relay.ts';

/** The outbox's contract without the database: `send` gets the ids, returns those sent. */
function outboxOf(ids: string[]) {
  const queued: string[] = [];
  return {
    queued,
    relay: async (
      _limit: number,
      send: (deliveryIds: string[], traceParents: ReadonlyMap<string, string>) => Promise<string[]>,
    ) => {
      const sent = await send(ids, new Map());
      queued.push(...sent);
      return sent.length;
    },
  };
}

const logger = pino({ enabled: false });

describe('the relay poll interval', () => {
  it('is jittered from half to one and a half times the setting, so replicas poll out of step', () => {
    expect(jittered(500, () => 0)).toBe(250);
    expect(jittered(500, () => 0.5)).toBe(500);
    expect(jittered(500, () => 0.999)).toBe(750);
  });
});

describe('OutboxRelay.relayOnce', () => {
  it('sends one webhook.delivery job per row and reports every row sent', async () => {
    const outbox = outboxOf(['a', 'b']);
    const published: object[] = [];
    const relay = new OutboxRelay(
      { outbox, publish: async (message) => published.push(message), logger },
      { intervalMs: 10, batchSize: 50 },
    );

    expect(await relay.relayOnce()).toBe(2);
    expect(published).toEqual([
      { type: 'webhook.delivery', version: 1, deliveryId: 'a' },
      { type: 'webhook.delivery', version: 1, deliveryId: 'b' },
    ]);
    expect(outbox.queued).toEqual(['a', 'b']);
  });

  it('marks only the rows whose send succeeded, so the rest are sent again and nothing twice', async () => {
    const outbox = outboxOf(['a', 'b', 'c']);
    const relay = new OutboxRelay(
      {
        outbox,
        publish: async (message) => {
          if ((message as { deliveryId: string }).deliveryId === 'b') throw new Error('throttled');
        },
        logger,
      },
      { intervalMs: 10, batchSize: 50 },
    );

    expect(await relay.relayOnce()).toBe(2);
    expect(outbox.queued).toEqual(['a', 'c']);
  });
});
