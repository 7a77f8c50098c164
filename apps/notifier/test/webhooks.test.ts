import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { UploadState, WebhookPayload } from '@airlock/core';
import { plainImage } from '@airlock/imaging/testing';
import { PgWebhookEndpoints, PgWebhookOutbox } from '@airlock/postgres';
import {
  airlockJson,
  airlockStdout,
  EICAR,
  fileOf,
  stackMetricsPages,
  StackClients,
  uniqueText,
  until,
  waitForState,
  type Tenant,
  type TestFile,
} from '@airlock/testing';
import {
  startHangingReceiver,
  startWebhookReceiver,
  type ReceivedCall,
  type WebhookReceiver,
} from './support/webhook-receiver.ts';

const stack = new StackClients();
const outbox = new PgWebhookOutbox({ pool: stack.pool });
let receiver: WebhookReceiver;

const upload = async (tenant: Tenant, file: TestFile, contentType: string) =>
  (await stack.uploadThroughApi(tenant, file, contentType)).uploadId;

async function settle(uploadId: string, state: UploadState): Promise<void> {
  const found = await waitForState(stack.uploads, uploadId, [state], 60_000);
  expect(found.upload.state).toBe(state);
}

const callsFor = (uploadId: string): ReceivedCall[] =>
  receiver.calls.filter(
    (call) => (JSON.parse(call.body) as WebhookPayload).data.uploadId === uploadId,
  );

const verify = (secret: string, call: ReceivedCall) =>
  new Webhook(secret).verify(call.body, {
    'webhook-id': String(call.headers['webhook-id']),
    'webhook-timestamp': String(call.headers['webhook-timestamp']),
    'webhook-signature': String(call.headers['webhook-signature']),
  }) as WebhookPayload;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver.close();
  await stack.close();
});

describe('completion webhooks through the whole pipeline', () => {
  let tenant: Tenant;
  let secret: string;
  const expected = new Map<string, UploadState>();

  beforeAll(async () => {
    tenant = await stack.tenant();
    secret = await stack.registerWebhook(tenant, receiver.url);

    const image = fileOf(await plainImage('jpeg', 640, 480));
    const eicar = fileOf(EICAR);
    const replaced = uniqueText('replaced');
    const abandoned = uniqueText('abandoned');

    const imageId = await upload(tenant, image, 'image/jpeg');
    const eicarId = await upload(tenant, eicar, 'text/plain');
    // Another body of the same size under the upload's key, as a leaked
    // credential could write it: the verifier's hash refuses it.
    const pending = await stack.createUpload(tenant, replaced, 'text/plain');
    const impostor = Buffer.from(replaced.bytes.toString().replace(/^replaced/, 'REPLACED'));
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.config.uploads.bucket,
        Key: pending.key,
        Body: impostor,
        ContentType: 'text/plain',
      }),
    );
    const forgotten = await stack.createUpload(tenant, abandoned, 'text/plain');
    await stack.pool.query(
      `UPDATE uploads SET expires_at = now() - interval '1 hour' WHERE id = $1`,
      [forgotten.uploadId],
    );
    await airlockJson('sweep', '--customer', tenant.customerId, '--grace', '0');

    expected.set(imageId, 'ready');
    expected.set(eicarId, 'quarantined');
    expected.set(pending.uploadId, 'rejected');
    expected.set(forgotten.uploadId, 'expired');
    for (const [id, state] of expected) await settle(id, state);
  });

  it('delivers one signed call per terminal state, each verifiable with the secret', async () => {
    await until('four webhook calls', async () =>
      [...expected.keys()].every((id) => callsFor(id).length >= 1) ? true : undefined,
    );
    // Anything late or duplicated would arrive well within this.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    for (const [uploadId, state] of expected) {
      const calls = callsFor(uploadId);
      expect(calls).toHaveLength(1);
      const call = calls[0]!;
      expect(call.path).toBe('/airlock/hooks');
      expect(call.headers['content-type']).toBe('application/json');
      const payload = verify(secret, call);
      expect(payload).toMatchObject({
        type: `upload.${state}`,
        data: { uploadId, siteId: tenant.siteId, state },
      });
      const [delivery] = await outbox.forUpload(uploadId);
      expect(delivery).toMatchObject({ id: call.headers['webhook-id'], attempts: 1 });
      expect(delivery?.deliveredAt).toBeInstanceOf(Date);
    }
    const imageId = [...expected].find(([, s]) => s === 'ready')![0];
    const stdout = await airlockStdout('uploads', 'show', imageId);
    expect(stdout).toMatch(/webhooks:\n {2}upload\.ready {2}delivered \S+ \(1 attempt\)/);
    const rejected = callsFor([...expected].find(([, s]) => s === 'rejected')![0])[0]!;
    expect(verify(secret, rejected).data.reason).toMatch(/^checksum_mismatch/);
  });

  it('makes a forged or replayed call detectable', () => {
    const call = callsFor([...expected.keys()][0]!)[0]!;
    const forgedBody = { ...call, body: call.body.replace('"upload.ready"', '"upload.rejected"') };
    expect(() => verify(secret, forgedBody)).toThrow(WebhookVerificationError);
    expect(() => verify(`whsec_${Buffer.alloc(24, 7).toString('base64')}`, call)).toThrow(
      WebhookVerificationError,
    );
    const stale = {
      ...call,
      headers: {
        ...call.headers,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600),
      },
    };
    expect(() => verify(secret, stale)).toThrow(WebhookVerificationError);
  });
});

describe('a receiver that fails', () => {
  it('is retried with backoff until it answers, and never holds the upload back', async () => {
    const tenant = await stack.tenant();
    const secret = await stack.registerWebhook(tenant, receiver.url);
    receiver.failNext(2, 503);
    const uploadId = await upload(tenant, uniqueText('retried'), 'text/plain');
    await settle(uploadId, 'ready');

    const delivered = await until('the third attempt to succeed', async () => {
      const [delivery] = await outbox.forUpload(uploadId);
      return delivery?.deliveredAt ? delivery : undefined;
    });
    expect(delivered).toMatchObject({ attempts: 3, lastStatus: 204 });
    const calls = callsFor(uploadId);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((call) => call.headers['webhook-id'])).size).toBe(1);
    // The stack retries after 1 s, then 2 s.
    expect(calls[2]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2500);
    expect(verify(secret, calls[2]!).type).toBe('upload.ready');
  });
});

describe('a webhook URL that points inside the network', () => {
  it('is never called; the job is dead-lettered and replays once the URL is fixed', async () => {
    const tenant = await stack.tenant();
    const storedSecret = 'whsec_c2VjcmV0c2VjcmV0';
    // The API refuses this URL at registration now (apps/upload-api/test/security-hardening.test.ts);
    // a row from before that, or a name that resolves there, is refused again at delivery.
    await new PgWebhookEndpoints({ pool: stack.pool }).put(
      tenant.customerId,
      'http://169.254.169.254/latest/meta-data/',
      storedSecret,
      false,
    );
    const uploadId = await upload(tenant, uniqueText('metadata'), 'text/plain');
    await settle(uploadId, 'ready');

    const refused = await until('the refused attempt', async () => {
      const [delivery] = await outbox.forUpload(uploadId);
      return delivery?.attempts ? delivery : undefined;
    });
    expect(refused.lastError).toMatch(
      /169\.254\.169\.254 is a linkLocal address, not a public one/,
    );
    expect(refused.deliveredAt).toBeUndefined();

    const letters = await airlockJson<
      Array<{ uploadId: string; permanent: boolean; stage: string }>
    >('dlq', 'peek', 'webhook-jobs', '--limit', '50');
    expect(letters).toContainEqual(
      expect.objectContaining({ uploadId, permanent: true, stage: 'webhook.delivery' }),
    );

    // Fixing the URL keeps the secret, and the API does not show it again.
    await stack.registerWebhook(tenant, receiver.url);
    const secret = storedSecret;
    await airlockJson('dlq', 'replay', 'webhook-jobs', '--upload', uploadId);
    const call = await until('the replayed delivery', async () => callsFor(uploadId)[0]);
    expect(verify(secret, call).data).toMatchObject({ uploadId, state: 'ready' });
  });
});

describe('an endpoint that hangs', () => {
  it('holds at most its share of the notifier, and other customers’ webhooks keep arriving', async () => {
    const hanging = await startHangingReceiver();
    const slow = await stack.tenant();
    await stack.registerWebhook(slow, hanging.url);
    try {
      // More deliveries than the notifier has slots (16), all to one endpoint.
      const slowUploads = await Promise.all(
        Array.from({ length: 24 }, (_, i) => upload(slow, uniqueText(`slow-${i}`), 'text/plain')),
      );
      await Promise.all(slowUploads.map((id) => settle(id, 'ready')));
      await until('the hanging endpoint to be called', async () =>
        hanging.state.received > 0 ? true : undefined,
      );

      const other = await stack.tenant();
      const secret = await stack.registerWebhook(other, receiver.url);
      const started = Date.now();
      const uploadId = await upload(other, uniqueText('unaffected'), 'text/plain');
      const call = await until('the other customer’s webhook', async () => callsFor(uploadId)[0]);

      expect(verify(secret, call).data.uploadId).toBe(uploadId);
      // Well inside the 10 s the hanging attempts wait for their timeout.
      expect(call.at - started).toBeLessThan(5000);
      // The cap (4) is each notifier process's: with replicas, each holds its own.
      expect(hanging.state.mostOpen).toBeLessThanOrEqual(4 * stackMetricsPages().notifier!.length);
    } finally {
      // Queued retries then find no endpoint and are abandoned.
      await fetch(`${stack.apiUrl}/v1/webhook`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${slow.apiKey}` },
      });
      await hanging.close();
    }
  });
});
