import { setTimeout as sleep } from 'node:timers/promises';
import {
  MetricsScrape,
  stackMetricsPages,
  StackClients,
  uniqueText,
  until,
  type Tenant,
} from '@airlock/testing';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// The outbox relay in every notifier process of the stack (one, or
// AIRLOCK_DEV_REPLICAS of them): SELECT … FOR UPDATE SKIP LOCKED lets each
// take its own rows, so together they queue every delivery exactly once,
// and they share the work (their polls are jittered, so none leads every
// time). Read from each process's airlock_outbox_relayed_total.
const stack = new StackClients();
const notifiers = stackMetricsPages().notifier!;
let receiver: WebhookReceiver;
let tenant: Tenant;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  tenant = await stack.tenant();
  await stack.registerWebhook(tenant, receiver.url);
});
afterAll(async () => {
  await receiver.close();
  await stack.close();
});

const relayedBy = async () =>
  Promise.all(
    notifiers.map(async (url) =>
      (await MetricsScrape.of(url)).value('airlock_outbox_relayed_total'),
    ),
  );

it('the notifiers share the outbox relay, and together queue each delivery once', async () => {
  const before = await relayedBy();
  // Waves of uploads, so terminal events reach the outbox over several relay polls.
  const ids: string[] = [];
  for (let wave = 0; wave < 6; wave++) {
    const created = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        stack.uploadThroughApi(tenant, uniqueText(`relay ${wave}.${i}`), 'text/plain'),
      ),
    );
    ids.push(...created.map((upload) => upload.uploadId));
    await sleep(1_000);
  }
  await until(
    'a webhook for every upload',
    async () => {
      const seen = new Set(
        receiver.calls.map(
          (call) => (JSON.parse(call.body) as { data: { uploadId: string } }).data.uploadId,
        ),
      );
      return ids.every((id) => seen.has(id)) ? true : undefined;
    },
    60_000,
  );
  const after = await relayedBy();
  const shares = after.map((count, at) => count - before[at]!);
  console.info(`outbox relayed by ${notifiers.length} notifier(s): ${shares.join(', ')}`);
  expect(shares.reduce((sum, share) => sum + share, 0)).toBe(ids.length);
  // Shared: at least two relay when two or more run (one relays all when alone).
  const relaying = shares.filter((share) => share > 0).length;
  expect(relaying).toBeGreaterThanOrEqual(Math.min(2, notifiers.length));
}, 120_000);
