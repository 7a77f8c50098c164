import type { ReceivedSpan } from '@airlock/dev-stack';
import { plainImage } from '@airlock/imaging/testing';
import {
  fileOf,
  receivedTrace,
  StackClients,
  until,
  waitForState,
  type Tenant,
  stackLog,
} from '@airlock/testing';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// One image through the whole local stack (its processes export to the
// stack's OTLP receiver), then its trace assembled from what they exported.

const stack = new StackClients();
let receiver: WebhookReceiver;
let tenant: Tenant;
let uploadId: string;
let traceId: string;
let spans: ReceivedSpan[];

/** The span of each stage whose work the upload's trace must hold, in pipeline order. */
const STAGES = [
  { service: 'upload-api', name: 'POST /v1/uploads' },
  { service: 'verifier', name: 'verify upload' },
  { service: 'scanner', name: 'scan upload' },
  { service: 'media', name: 'render upload' },
  { service: 'notifier', name: 'deliver webhook' },
] as const;

const stageSpan = (stage: (typeof STAGES)[number]) =>
  spans.find((span) => span.service === stage.service && span.name === stage.name);

const forUpload = (span: ReceivedSpan) => span.attributes['airlock.upload.id'] === uploadId;

// Every replica's log (one file without replicas).
const logLines = (service: string): Record<string, unknown>[] => stackLog(service).since();

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  tenant = await stack.tenant();
  await stack.registerWebhook(tenant, receiver.url);

  const image = fileOf(await plainImage('jpeg', 640, 480));
  uploadId = (await stack.uploadThroughApi(tenant, image, 'image/jpeg')).uploadId;
  expect((await waitForState(stack.uploads, uploadId, ['ready'], 60_000)).upload.state).toBe(
    'ready',
  );
  const { rows } = await stack.pool.query<{ trace_parent: string }>(
    'SELECT trace_parent FROM uploads WHERE id = $1',
    [uploadId],
  );
  // Sampled (flags 01): the stack exports.
  expect(rows[0]?.trace_parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  traceId = rows[0]!.trace_parent.split('-')[1]!;
  // The webhook is the last stage; its span is exported within half a second of ending.
  spans = await until(
    'every stage of the upload in its trace',
    async () => {
      const trace = await receivedTrace(traceId);
      const complete = STAGES.every((stage) =>
        trace.some((span) => span.service === stage.service && span.name === stage.name),
      );
      return complete ? trace : undefined;
    },
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await receiver.close();
  await stack.close();
});

describe("one upload's trace", () => {
  it('holds every stage, each starting after the one before', () => {
    const starts = STAGES.map((stage) => BigInt(stageSpan(stage)!.startTimeUnixNano));
    expect([...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(starts);
    for (const stage of STAGES.slice(1)) expect(forUpload(stageSpan(stage)!)).toBe(true);
  });

  it('is one tree rooted at the POST: every other span has its parent in the trace', () => {
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => !span.parentSpanId);
    expect(roots.map((span) => `${span.service} ${span.name}`)).toEqual([
      'upload-api POST /v1/uploads',
    ]);
    const orphans = spans.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId));
    expect(orphans.map((span) => `${span.service} ${span.name}`)).toEqual([]);
  });

  it("continues from the upload's row, linked to the S3 event's own trace", () => {
    const verify = stageSpan(STAGES[1])!;
    expect(verify.parentSpanId).toBe(stageSpan(STAGES[0])!.spanId);
    expect(verify.links).toHaveLength(1);
    expect(verify.links[0]!.traceId).not.toBe(traceId);
  });

  it('carries each job from its producer to its consumer through SQS', () => {
    for (const queue of ['scan-jobs', 'media-jobs', 'webhook-jobs']) {
      const consumer = spans.find((span) => span.name === `process ${queue}`);
      const producer = spans.find((span) => span.spanId === consumer?.parentSpanId);
      expect({ queue, producer: producer?.name, kind: producer?.kind }).toEqual({
        queue,
        producer: `send ${queue}`,
        kind: 4,
      });
      expect(consumer).toMatchObject({ kind: 5, attributes: { 'messaging.system': 'aws_sqs' } });
    }
  });

  it('has S3, clamd, sharp and SQL spans naming the upload', () => {
    const named = spans.filter(forUpload);
    const s3 = named.filter((span) => span.attributes['rpc.service'] === 'S3');
    expect(s3.map((span) => `${span.service} ${span.name}`)).toEqual(
      expect.arrayContaining([
        'verifier S3.GetObject',
        'scanner S3.GetObject',
        'media S3.PutObject',
      ]),
    );
    expect(named.filter((span) => span.name === 'clamd INSTREAM')).toEqual([
      expect.objectContaining({
        service: 'scanner',
        attributes: expect.objectContaining({ 'airlock.scan.result': 'clean' }),
      }),
    ]);
    expect(
      named.filter((span) => span.name === 'sharp render').map((span) => span.service),
    ).toEqual(['media']);
    const sql = named.filter((span) => span.attributes['db.system.name'] === 'postgresql');
    expect(new Set(sql.map((span) => span.service))).toEqual(
      new Set(['verifier', 'scanner', 'media', 'notifier']),
    );
    expect(sql.every((span) => typeof span.attributes['db.operation.name'] === 'string')).toBe(
      true,
    );
  });

  it('records no signature, credential or statement parameter', () => {
    const exported = JSON.stringify(spans);
    for (const secret of [
      'X-Amz-Signature',
      'X-Amz-Credential',
      'Authorization',
      'Bearer',
      tenant.apiKey,
    ]) {
      expect(exported).not.toContain(secret);
    }
    expect(exported.toLowerCase()).not.toContain('signature=');
  });
});

describe("the upload's log lines", () => {
  it.each(['verifier', 'scanner', 'media', 'notifier'])(
    '%s writes its lines about the upload with its uploadId and trace id',
    (service) => {
      const lines = logLines(service).filter((line) => line.uploadId === uploadId);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => line.trace_id === traceId)).toBe(true);
      expect(lines.every((line) => typeof line.span_id === 'string')).toBe(true);
    },
  );
});
