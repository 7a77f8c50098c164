import { PgWebhookEndpoints, PgWebhookOutbox } from '@airlock/postgres';
import { StackClients, uniqueText, until, type Tenant } from '@airlock/testing';

const stack = new StackClients();
const outbox = new PgWebhookOutbox({ pool: stack.pool });
const endpoints = new PgWebhookEndpoints({ pool: stack.pool });
const sandbox = process.env.SANDBOX_BUCKET!;
// Nothing listens there: the stack's notifier keeps failing until the endpoint goes.
const DEAD_END = 'http://127.0.0.1:9/hooks';

afterAll(async () => {
  await stack.close();
});

/** A verified upload in the sandbox bucket (no worker touches it), moved on to `to`. */
async function finish(tenant: Tenant, to: 'clean' | 'ready' | 'rejected'): Promise<string> {
  const upload = await stack.stageVerified(sandbox, tenant, uniqueText('outbox'), 'text/plain');
  const move = (state: typeof to, reason?: string) =>
    stack.uploads.transition({ uploadId: upload.id, to: state, actor: 'test', reason });
  if (to === 'rejected') await move('rejected', 'test');
  else await move('clean');
  if (to === 'ready') await move('ready');
  return upload.id;
}

async function subscribedTenant(): Promise<Tenant> {
  const tenant = await stack.tenant();
  await endpoints.put(tenant.customerId, DEAD_END, 'whsec_c2VjcmV0c2VjcmV0', false);
  return tenant;
}

describe('the webhook outbox', () => {
  it('gets a row with each terminal transition, only for customers with an endpoint', async () => {
    const without = await stack.tenant();
    expect(await outbox.forUpload(await finish(without, 'ready'))).toEqual([]);

    const subscribed = await subscribedTenant();
    expect(await outbox.forUpload(await finish(subscribed, 'clean'))).toEqual([]);
    expect(await outbox.forUpload(await finish(subscribed, 'ready'))).toMatchObject([
      { type: 'upload.ready' },
    ]);
    expect(await outbox.forUpload(await finish(subscribed, 'rejected'))).toMatchObject([
      { type: 'upload.rejected' },
    ]);
    // A rescan hit on ready content: the customer hears about it a second time.
    const rescanned = await finish(subscribed, 'ready');
    await stack.uploads.transition({
      uploadId: rescanned,
      to: 'quarantined',
      actor: 'test',
      reason: 'Airlock.Test.EICAR.UNOFFICIAL',
    });
    expect((await outbox.forUpload(rescanned)).map((d) => d.type)).toEqual([
      'upload.ready',
      'upload.quarantined',
    ]);
    await endpoints.remove(subscribed.customerId);
  });

  it('is relayed and attempted by the notifier, and abandoned once the endpoint is removed', async () => {
    const tenant = await subscribedTenant();
    const uploadId = await finish(tenant, 'ready');

    const failing = await until('a failed attempt', async () => {
      const [delivery] = await outbox.forUpload(uploadId);
      return delivery?.attempts ? delivery : undefined;
    });
    expect(failing.queuedAt).toBeInstanceOf(Date);
    expect(failing.lastError).toMatch(/ECONNREFUSED/);
    expect(failing.deliveredAt).toBeUndefined();

    expect(await endpoints.remove(tenant.customerId)).toBe(true);
    const pending = await outbox.find(failing.id);
    expect(pending).toMatchObject({ endpoint: undefined, event: { uploadId, state: 'ready' } });
    const abandoned = await until('the abandoned delivery', async () => {
      const [delivery] = await outbox.forUpload(uploadId);
      return delivery?.abandonedAt ? delivery : undefined;
    });
    expect(abandoned.abandonedReason).toBe('endpoint_removed');
  });

  it('lets one attempt at a time hold a delivery, until it is recorded or its claim runs out', async () => {
    const tenant = await stack.tenant();
    const uploadId = await finish(tenant, 'ready');
    // Already marked queued, so no relay sends it: only this test attempts it.
    const { rows } = await stack.pool.query<{ id: string }>(
      `INSERT INTO webhook_deliveries (event_id, upload_id, customer_id, queued_at)
       SELECT id, upload_id, $2, now() FROM upload_events WHERE upload_id = $1 AND to_state = 'ready'
       RETURNING id`,
      [uploadId, tenant.customerId],
    );
    const id = rows[0]!.id;

    expect(await outbox.claim(id, 'message-1', 30)).toBe(true);
    expect(await outbox.claim(id, 'message-2', 30)).toBe(false);
    await outbox.recordAttempt(id, { status: 503, error: 'HTTP 503', delivered: false });
    expect(await outbox.claim(id, 'message-2', 30)).toBe(true);
    // A worker that died mid-attempt: its own message takes the claim back at
    // once, and any other copy once the claim runs out.
    expect(await outbox.claim(id, 'message-2', 30)).toBe(true);
    expect(await outbox.claim(id, 'message-3', 30)).toBe(false);
    await stack.pool.query(
      `UPDATE webhook_deliveries SET in_flight_until = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect(await outbox.claim(id, 'message-3', 30)).toBe(true);
    await outbox.recordAttempt(id, { status: 204, error: undefined, delivered: true });
    expect(await outbox.claim(id, 'message-3', 30)).toBe(false);
    expect(await outbox.forUpload(uploadId)).toMatchObject([{ attempts: 2, lastStatus: 204 }]);
  });
});
