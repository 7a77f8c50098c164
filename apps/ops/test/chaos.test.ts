import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PresignedRequest, UploadState, WebhookPayload } from '@airlock/core';
import { status, up } from '@airlock/dev-stack';
import { plainImage } from '@airlock/imaging/testing';
import {
  clamavFixture,
  EICAR,
  fileOf,
  MetricsScrape,
  putPresigned,
  queueDepth,
  stackMetricsPages,
  StackClients,
  uniqueText,
  until,
  type Tenant,
  type TestFile,
} from '@airlock/testing';

// Issue 12 (chaos): every worker of the running stack is SIGKILLed while a
// bounded batch goes through, and restarted by the stack's own `up()`. Every
// upload must still reach its one right terminal state, with exactly one
// terminal transition and exactly one webhook id each. Traffic stays on loopback.
// With replicas (AIRLOCK_DEV_REPLICAS=3, `npm run test:replicas`) every
// replica of a stage dies at once, and the rest of the claims are the same.
const stack = new StackClients();
const WORKERS = ['verifier', 'scanner', 'media', 'notifier'] as const;
type Worker = (typeof WORKERS)[number];
const TERMINAL: readonly UploadState[] = ['ready', 'quarantined', 'rejected', 'expired'];

type Call = { webhookId: string; payload: WebhookPayload };
let receiver: { server: Server; url: string; calls: Call[] };
let tenant: Tenant;

beforeAll(async () => {
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      calls.push({
        webhookId: String(req.headers['webhook-id']),
        payload: JSON.parse(body) as WebhookPayload,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver = { server, url: `http://127.0.0.1:${port}/chaos`, calls };

  tenant = await stack.tenant();
  await stack.registerWebhook(tenant, receiver.url);
});

afterAll(async () => {
  // Whatever happened, leave every worker running.
  await up();
  receiver.server.closeAllConnections();
  await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  await stack.close();
});

/** The pids of every running replica of a worker (one without replicas). */
const pidsOf = (name: Worker) =>
  status()
    .services.filter((s) => s.group === name && s.pid !== undefined)
    .map((s) => s.pid!);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGKILL (every replica), then the stack's own start function brings them back (and waits until ready). */
async function killAndRestart(name: Worker): Promise<{ name: Worker; downMs: number }> {
  const pids = pidsOf(name);
  if (pids.length === 0) throw new Error(`${name} is not running`);
  const killedAt = Date.now();
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await until(`${name} to die`, async () => (pids.some(alive) ? undefined : true), 10_000);
  await up();
  const restarted = pidsOf(name);
  expect(restarted).toHaveLength(pids.length);
  expect(restarted.filter((pid) => pids.includes(pid))).toEqual([]);
  return { name, downMs: Date.now() - killedAt };
}

async function statesOf(ids: string[]): Promise<Map<string, UploadState>> {
  const { rows } = await stack.pool.query<{ id: string; state: UploadState }>(
    'SELECT id, state FROM uploads WHERE id = ANY($1)',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.state]));
}

async function dlqDepths(): Promise<Record<string, number>> {
  const depths: Record<string, number> = {};
  for (const name of ['UPLOAD_EVENTS', 'SCAN_JOBS', 'MEDIA_JOBS', 'WEBHOOK_JOBS']) {
    const url = process.env[`${name}_DLQ_URL`];
    if (!url) continue;
    depths[name] = await queueDepth(stack.sqs, url);
  }
  return depths;
}

const WORKER_QUEUES = ['upload-events', 'scan-jobs', 'media-jobs', 'webhook-jobs'];

/** For each queue, how many processes' /metrics pages report its depth. */
async function samplersPerQueue(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const url of Object.values(stackMetricsPages()).flat()) {
    const queues = new Set(
      (await MetricsScrape.of(url)).labelSets('airlock_queue_depth').map((labels) => labels.queue),
    );
    for (const queue of queues) counts.set(queue!, (counts.get(queue!) ?? 0) + 1);
  }
  return counts;
}

type Planned = { file: TestFile; contentType: string; expected: UploadState };

async function batch(): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (let i = 0; i < 28; i++)
    planned.push({ file: uniqueText(`chaos ${i}`), contentType: 'text/plain', expected: 'ready' });
  for (const [i, format] of (['jpeg', 'png', 'jpeg', 'png', 'jpeg', 'png'] as const).entries())
    planned.push({
      file: fileOf(await plainImage(format, 96 + i * 8, 64 + i * 4)),
      contentType: `image/${format}`,
      expected: 'ready',
    });
  for (let i = 0; i < 3; i++)
    planned.push({
      file: fileOf(`%PDF-1.7\n% chaos ${i} ${Date.now()} ${Math.random()}\n%%EOF\n`),
      contentType: 'application/pdf',
      expected: 'ready',
    });
  planned.push({ file: fileOf(`${EICAR}\n`), contentType: 'text/plain', expected: 'quarantined' });
  planned.push({
    file: fileOf(clamavFixture('marker-plain.pdf')),
    contentType: 'application/pdf',
    expected: 'quarantined',
  });
  planned.push({
    file: fileOf(clamavFixture('marker-rc4-encrypted.pdf')),
    contentType: 'application/pdf',
    expected: 'quarantined',
  });
  return planned;
}

it('SIGKILLing every worker mid-flight loses, doubles and misdirects nothing', async () => {
  // What an earlier file left running (a webhook retrying against a closed
  // receiver) must not dead-letter while this test counts the DLQs.
  await stack.untilIdle();
  const started = Date.now();
  const dlqBefore = await dlqDepths();
  const planned = await batch();
  const uploads: Array<Planned & { id: string; presigned: PresignedRequest }> = [];
  for (const plan of planned) {
    const created = await stack.createUpload(tenant, plan.file, plan.contentType);
    uploads.push({ ...plan, id: created.uploadId, presigned: created.upload });
  }
  const ids = uploads.map((u) => u.id);
  const put = (from: number, to: number) =>
    Promise.all(
      uploads
        .slice(from, to)
        .map(async (u) => expect(await putPresigned(u.presigned, u.file.bytes)).toBe(200)),
    );
  const countIn = async (states: UploadState[]) =>
    [...(await statesOf(ids)).values()].filter((s) => states.includes(s)).length;
  // Waits (up to 10 s) for an upload in `state`, the next stage's work: with
  // replicas a stage may drain so fast that its input is never seen waiting,
  // and it is killed with what it has in hand then.
  const whileIn = async (state: UploadState) => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
      if ((await countIn([state])) > 0) return;
    }
  };
  const kills: Array<{ name: Worker; downMs: number; inHand: number }> = [];
  const kill = async (name: Worker, inHand: number) =>
    kills.push({ ...(await killAndRestart(name)), inHand });

  // Round one: each worker dies while its stage has work waiting or in hand.
  await put(0, 20);
  await sleep(300);
  await kill('verifier', 20 - (await countIn(['verified', ...TERMINAL, 'clean'])));
  await put(20, uploads.length);
  await whileIn('verified');
  await kill('scanner', await countIn(['verified']));
  await whileIn('clean');
  await kill('media', await countIn(['clean']));
  await until('a first terminal upload for the notifier', async () =>
    (await countIn([...TERMINAL])) > 0 ? true : undefined,
  );
  await kill('notifier', uploads.length - receiver.calls.length);
  // Round two: all four again, back to back, while the pipeline recovers.
  for (const name of WORKERS) {
    await kill(name, uploads.length - (await countIn([...TERMINAL])));
    await sleep(500);
  }
  console.info(`kills: ${JSON.stringify(kills)}`);

  // Every upload in its one right terminal state.
  const final = await until(
    'every upload terminal',
    async () => {
      const states = await statesOf(ids);
      return [...states.values()].every((s) => TERMINAL.includes(s)) ? states : undefined;
    },
    60_000,
  );
  expect(uploads.map((u) => [u.contentType, final.get(u.id)])).toEqual(
    uploads.map((u) => [u.contentType, u.expected]),
  );
  const encrypted = uploads.at(-1)!;
  expect(
    (await stack.pool.query('SELECT reason FROM uploads WHERE id = $1', [encrypted.id])).rows[0]
      .reason,
  ).toMatch(/^encrypted_content: /);

  // Exactly one terminal transition per upload, and no transition twice.
  const { rows: events } = await stack.pool.query<{
    uploadId: string;
    terminal: number;
    total: number;
    distinct: number;
  }>(
    `SELECT upload_id AS "uploadId",
            count(*) FILTER (WHERE to_state = ANY($2::upload_state[]))::int AS terminal,
            count(*)::int AS total, count(DISTINCT to_state)::int AS distinct
     FROM upload_events WHERE upload_id = ANY($1) GROUP BY upload_id`,
    [ids, TERMINAL],
  );
  expect(events).toHaveLength(uploads.length);
  for (const row of events) {
    expect(row).toMatchObject({ terminal: 1 });
    expect(row.total).toBe(row.distinct);
  }

  // Exactly one webhook id per upload (retries of that id are fine), saying the right state.
  const webhooks = await until(
    'a webhook for every upload',
    async () => {
      const byUpload = new Map<string, Call[]>();
      for (const call of receiver.calls) {
        const list = byUpload.get(call.payload.data.uploadId) ?? [];
        list.push(call);
        byUpload.set(call.payload.data.uploadId, list);
      }
      return ids.every((id) => byUpload.has(id)) ? byUpload : undefined;
    },
    30_000,
  );
  expect([...webhooks.keys()].sort()).toEqual([...ids].sort());
  for (const u of uploads) {
    const calls = webhooks.get(u.id)!;
    expect(new Set(calls.map((c) => c.webhookId)).size).toBe(1);
    expect(calls.map((c) => c.payload.type)).toEqual(calls.map(() => `upload.${u.expected}`));
  }

  // No job done twice with effect: one scan of each upload's bytes, one outbox
  // row (one delivery id) per terminal event.
  const { rows: scans } = await stack.pool.query<{ uploadId: string; scans: number }>(
    `SELECT upload_id AS "uploadId", count(*)::int AS scans FROM upload_scans
     WHERE upload_id = ANY($1) AND trigger = 'upload' GROUP BY upload_id`,
    [ids],
  );
  expect(scans).toHaveLength(uploads.length);
  expect(scans.filter((row) => row.scans !== 1)).toEqual([]);
  const { rows: deliveries } = await stack.pool.query<{ uploadId: string; deliveries: number }>(
    `SELECT e.upload_id AS "uploadId", count(*)::int AS deliveries
     FROM webhook_deliveries d JOIN upload_events e ON e.id = d.event_id
     WHERE e.upload_id = ANY($1) GROUP BY e.upload_id`,
    [ids],
  );
  expect(deliveries).toHaveLength(uploads.length);
  expect(deliveries.filter((row) => row.deliveries !== 1)).toEqual([]);

  // Queue depth sampled by one process per queue, however many replicas run
  // (the advisory lock passes on when its holder is killed).
  await until(
    'one sampler per queue',
    async () => {
      const counts = await samplersPerQueue();
      return WORKER_QUEUES.every((queue) => counts.get(queue) === 1) ? counts : undefined;
    },
    20_000,
  );
  expect([...(await samplersPerQueue()).values()].every((count) => count === 1)).toBe(true);

  // Nothing dead-lettered on the way.
  expect(await dlqDepths()).toEqual(dlqBefore);
  const elapsed = Date.now() - started;
  console.info(`chaos run: ${uploads.length} uploads, ${kills.length} kills, ${elapsed} ms`);
}, 120_000);
