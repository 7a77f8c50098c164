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
// and each takes a share. Read from each process's airlock_outbox_relayed_total.
const stack = new StackClients();
const notifiers = stackMetricsPages().notifier!;
let receiver: WebhookReceiver;
let tenant: Tenant;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  tenant = await stack.tenant();
  const registered = await fetch(`${stack.apiUrl}/v1/webhook`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url }),
  });
  expect(registered.status).toBe(200);
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

it('every notifier relays a share of the outbox, and together each delivery once', async () => {
  const before = await relayedBy();
  // Waves of uploads, so terminal events reach the outbox over several relay polls.
  const ids: string[] = [];
  for (let wave = 0; wave < 4; wave++) {
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        stack.uploadThroughApi(tenant, uniqueText(`relay ${wave}.${i}`), 'text/plain'),
      ),
    );
    ids.push(...created.map((upload) => upload.uploadId));
    await sleep(1_500);
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
  expect(shares.filter((share) => share === 0)).toEqual([]);
}, 120_000);
