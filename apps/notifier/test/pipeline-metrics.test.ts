import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  EICAR,
  fileOf,
  MetricsScrape,
  refusalOf,
  stackMetricsPages,
  stackMetricsUrls,
  StackClients,
  uniqueText,
  until,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

// Known work through the stack's own five processes, then every /metrics
// page, read before and after: the counts must have moved by exactly it.
const stack = new StackClients();
const urls = stackMetricsUrls();
// Every replica's page of a stage, summed: the work may land on any of them.
const pages = stackMetricsPages();
const STAGES = ['api', 'verifier', 'scanner', 'media', 'notifier'] as const;
type Stage = (typeof STAGES)[number];
type Scrapes = Record<Stage, MetricsScrape>;
let receiver: WebhookReceiver;
let tenant: Tenant;

const scrapeAll = async (): Promise<Scrapes> =>
  Object.fromEntries(
    await Promise.all(
      STAGES.map(async (stage) => [stage, await MetricsScrape.ofAll(pages[stage]!)]),
    ),
  ) as Scrapes;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  tenant = await stack.tenant();
  await stack.registerWebhook(tenant, receiver.url);
});
afterAll(async () => {
  await receiver.close();
  await stack.close();
});

describe('the metrics every process serves', () => {
  it('the API serves /metrics on its metrics port only, never on the public one', async () => {
    const publicAnswer = await fetch(`${stack.apiUrl}/metrics`);
    expect(publicAnswer.status).toBe(404);
    expect(await publicAnswer.text()).not.toContain('airlock_');

    const scrape = await MetricsScrape.of(urls.api!);
    expect(scrape.has('airlock_http_request_duration_seconds_count')).toBe(true);
    expect(scrape.labelSets('process_cpu_seconds_total')).toEqual([{ service: 'upload-api' }]);
    expect(new URL(urls.api!).port).not.toBe(new URL(stack.apiUrl).port);
  });

  it('count one clean upload, one EICAR, one with other bytes than claimed, a duplicate, a refusal and a malformed job', async () => {
    await stack.untilIdle();
    const before = await scrapeAll();

    const clean = uniqueText('metrics clean');
    const cleanUpload = await stack.uploadThroughApi(tenant, clean, 'text/plain');
    const eicar = await stack.uploadThroughApi(tenant, fileOf(`${EICAR}\n`), 'text/plain');
    // Bytes of the claimed size but not the claimed hash, PUT past the signed URL.
    const claimed = uniqueText('metrics claimed');
    const mismatch = await stack.createUpload(tenant, claimed, 'text/plain');
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.config.uploads.bucket,
        Key: mismatch.key,
        Body: uniqueText('metrics present'.padEnd(15)).bytes.subarray(0, claimed.size),
        ContentType: 'text/plain',
      }),
    );
    const refused = await stack.requestUpload(tenant, { size: -1, sha256: 'nope' }, 'text/plain');
    expect(refusalOf(refused, 400).code).toBe('invalid_request');
    // A job no scanner can read: dead-lettered at once.
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: process.env.SCAN_JOBS_QUEUE_URL!,
        MessageBody: '{"not":"a scan job"}',
      }),
    );

    const ends = await Promise.all(
      [cleanUpload, eicar, mismatch].map(({ uploadId }) =>
        waitForState(stack.uploads, uploadId, ['ready', 'quarantined', 'rejected'], 60_000),
      ),
    );
    expect(ends.map(({ upload }) => [upload.state, upload.reason])).toEqual([
      ['ready', null],
      ['quarantined', expect.stringMatching(/EICAR/i)],
      ['rejected', 'checksum_mismatch'],
    ]);
    const duplicate = await stack.requestUpload(tenant, clean, 'text/plain');
    expect(duplicate.status).toBe(200);

    const delta = (stage: Stage, after: Scrapes, name: string, labels = {}) =>
      after[stage].value(name, labels) - before[stage].value(name, labels);
    // Settling (deletes, the webhook's attempt) follows the state by a moment.
    const after = await until('every count', async () => {
      const scrapes = await scrapeAll();
      const settled =
        delta('notifier', scrapes, 'airlock_webhook_deliveries_total') >= 3 &&
        delta('scanner', scrapes, 'airlock_queue_messages_total', { outcome: 'permanent' }) >= 1;
      return settled ? scrapes : undefined;
    });
    const counts = (stage: Stage, name: string, labelSets: Array<Record<string, string>>) =>
      labelSets.map((labels) => delta(stage, after, name, labels));

    expect(
      counts('api', 'airlock_upload_requests_total', [
        { outcome: 'created', reason: '' },
        { outcome: 'duplicate', reason: '' },
        { outcome: 'refused', reason: 'invalid_request' },
      ]),
    ).toEqual([3, 1, 1]);
    expect(
      counts('api', 'airlock_http_request_duration_seconds_count', [
        { method: 'POST', route: '/v1/uploads', status: '201' },
        { method: 'POST', route: '/v1/uploads', status: '200' },
        { method: 'POST', route: '/v1/uploads', status: '400' },
        { method: 'GET', route: 'unmatched', status: '404' },
      ]),
    ).toEqual([3, 1, 1, 0]);

    expect(
      counts('verifier', 'airlock_upload_transitions_total', [
        { from: 'pending', to: 'uploaded' },
        { from: 'uploaded', to: 'verified' },
        { from: 'uploaded', to: 'rejected' },
      ]),
    ).toEqual([3, 2, 1]);
    expect(
      counts('verifier', 'airlock_verification_failures_total', [
        { reason: 'checksum_mismatch' },
        {},
      ]),
    ).toEqual([1, 1]);
    expect(
      counts('scanner', 'airlock_upload_transitions_total', [
        { from: 'verified', to: 'clean' },
        { from: 'clean', to: 'ready' },
        { from: 'verified', to: 'quarantined' },
      ]),
    ).toEqual([1, 1, 1]);
    expect(
      counts('scanner', 'airlock_scan_verdicts_total', [
        { result: 'clean', source: 'scanned' },
        { result: 'infected', source: 'scanned' },
        { source: 'reused' },
      ]),
    ).toEqual([1, 1, 0]);
    expect(
      counts('scanner', 'airlock_scan_duration_seconds_count', [{ source: 'scanned' }]),
    ).toEqual([2]);
    expect(delta('scanner', after, 'airlock_scanned_bytes_total')).toBe(
      clean.size + Buffer.byteLength(`${EICAR}\n`),
    );

    expect(
      counts('verifier', 'airlock_queue_messages_total', [
        { queue: 'upload-events', outcome: 'done' },
        { queue: 'upload-events', outcome: 'retried' },
      ]),
    ).toEqual([3, 0]);
    expect(
      counts('verifier', 'airlock_queue_message_wait_seconds_count', [{ queue: 'upload-events' }]),
    ).toEqual([3]);
    expect(
      counts('scanner', 'airlock_queue_messages_total', [
        { queue: 'scan-jobs', outcome: 'done' },
        { queue: 'scan-jobs', outcome: 'permanent' },
      ]),
    ).toEqual([2, 1]);
    expect(
      counts('scanner', 'airlock_queue_message_handling_seconds_count', [
        { queue: 'scan-jobs', outcome: 'done' },
      ]),
    ).toEqual([2]);
    expect(after.scanner.value('airlock_queue_messages_in_flight', { queue: 'scan-jobs' })).toBe(0);
    expect(delta('media', after, 'airlock_queue_messages_total')).toBe(0);

    expect(
      counts('notifier', 'airlock_webhook_deliveries_total', [
        { outcome: 'delivered' },
        { outcome: 'retried' },
        { outcome: 'failed' },
      ]),
    ).toEqual([3, 0, 0]);
    expect(delta('notifier', after, 'airlock_webhook_delivery_duration_seconds_count')).toBe(3);
    expect(
      counts('notifier', 'airlock_queue_messages_total', [
        { queue: 'webhook-jobs', outcome: 'done' },
      ]),
    ).toEqual([3]);
  });

  it('each queue and DLQ has its depth sampled, by the one process consuming it; the notifier samples the outbox', async () => {
    // The malformed job above sits in scan-jobs-dlq; the sampler runs every 2 s here.
    const scrapes = await until('sampled depths', async () => {
      const all = await scrapeAll();
      return all.scanner.value('airlock_queue_depth', {
        queue: 'scan-jobs-dlq',
        state: 'visible',
      }) >= 1
        ? all
        : undefined;
    });
    const sampled = (stage: Stage) =>
      [
        ...new Set(scrapes[stage].labelSets('airlock_queue_depth').map(({ queue }) => queue)),
      ].sort();
    expect(sampled('verifier')).toEqual(['upload-events', 'upload-events-dlq']);
    expect(sampled('scanner')).toEqual(['scan-jobs', 'scan-jobs-dlq']);
    expect(sampled('media')).toEqual(['media-jobs', 'media-jobs-dlq']);
    expect(sampled('notifier')).toEqual(['webhook-jobs', 'webhook-jobs-dlq']);
    expect(sampled('api')).toEqual([]);
    expect(
      scrapes.scanner
        .labelSets('airlock_queue_oldest_message_age_seconds')
        .map(({ queue }) => queue),
    ).toEqual(['scan-jobs']);
    expect(scrapes.notifier.has('airlock_outbox_backlog')).toBe(true);
    expect(scrapes.notifier.labelSets('airlock_outbox_backlog')).toHaveLength(1);
    expect(scrapes.notifier.value('airlock_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
  });
});
