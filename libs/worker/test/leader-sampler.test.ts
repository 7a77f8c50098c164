import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { AdvisoryLock, createPool, PgWebhookOutbox } from '@airlock/postgres';
import { createLogger } from '@airlock/runtime';
import { createSqsClient, ensureQueueWithDlq, type QueueUrls } from '@airlock/sqs';
import { Registry } from 'prom-client';
import { LeaderSampler, outboxSample, queueSample } from '../src/index.ts';

// Two replicas of one worker, in one process: each its own registry and its
// own connection asking for the same advisory lock, against the real
// PostgreSQL and SQS of the local stack.
const sqs = createSqsClient({
  region: process.env.AWS_REGION!,
  endpoint: process.env.SQS_ENDPOINT,
});
const pool = createPool(process.env.DATABASE_URL!, { max: 2 });
const logger = createLogger({ level: 'silent', service: 'test' });
let queue: QueueUrls & { name: string };

beforeAll(async () => {
  const name = `test-sampler-${randomUUID().slice(0, 8)}`;
  const urls = await ensureQueueWithDlq(sqs, {
    name,
    maxReceiveCount: 3,
    retentionSeconds: 3600,
    dlqRetentionSeconds: 7200,
    visibilityTimeoutSeconds: 5,
  });
  queue = { name, ...urls };
  await sqs.send(new SendMessageCommand({ QueueUrl: urls.url, MessageBody: '"waiting"' }));
  await sqs.send(new SendMessageCommand({ QueueUrl: urls.dlqUrl, MessageBody: '"dead"' }));
});
afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.dlqUrl }));
  sqs.destroy();
  await pool.end();
});

function replica(lockName: string) {
  const registry = new Registry();
  const sampler = new LeaderSampler(
    {
      election: new AdvisoryLock(process.env.DATABASE_URL!, lockName),
      samples: [
        queueSample({ sqs, registry, oldestSentAt: () => undefined }, queue),
        outboxSample({ outbox: new PgWebhookOutbox({ pool }), registry }),
      ],
      logger,
    },
    { intervalMs: 60_000 },
  );
  const depths = async () =>
    ((await registry.getSingleMetric('airlock_queue_depth')?.get())?.values ?? []).map(
      ({ labels, value }) => `${String(labels.queue)} ${String(labels.state)} ${value}`,
    );
  const reportsOutbox = async () =>
    ((await registry.getSingleMetric('airlock_outbox_backlog')?.get())?.values ?? []).length > 0;
  return { sampler, depths, reportsOutbox };
}

describe('the queue-depth sampler election', () => {
  it('exactly one of two replicas reports the depth of the queue and its DLQ; the other takes over when it goes', async () => {
    const lock = `airlock:test-sampler:${randomUUID()}`;
    const first = replica(lock);
    const second = replica(lock);

    expect(await first.sampler.sampleOnce()).toBe(true);
    expect(await second.sampler.sampleOnce()).toBe(false);
    // The leader keeps its lock round after round; the other stays silent.
    expect(await first.sampler.sampleOnce()).toBe(true);
    expect(await second.sampler.sampleOnce()).toBe(false);

    expect((await first.depths()).sort()).toEqual([
      `${queue.name} delayed 0`,
      `${queue.name} in_flight 0`,
      `${queue.name} visible 1`,
      `${queue.name}-dlq delayed 0`,
      `${queue.name}-dlq in_flight 0`,
      `${queue.name}-dlq visible 1`,
    ]);
    expect(await second.depths()).toEqual([]);
    expect(await first.reportsOutbox()).toBe(true);
    expect(await second.reportsOutbox()).toBe(false);

    // The leader stops (its connection, and so its lock, goes): the next round elects the other.
    await first.sampler.close();
    expect(await second.sampler.sampleOnce()).toBe(true);
    expect(await second.depths()).toContain(`${queue.name} visible 1`);
    await second.sampler.close();
  });

  it('a leader whose connection is lost stops reporting at its next round, and another is elected', async () => {
    const lock = `airlock:test-sampler:${randomUUID()}`;
    const first = replica(lock);
    const second = replica(lock);
    expect(await first.sampler.sampleOnce()).toBe(true);
    expect(await second.sampler.sampleOnce()).toBe(false);

    // The database drops the leader's session (a failover, a network cut): its lock goes with it.
    const { rows } = await pool.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
       WHERE locktype = 'advisory' AND objid = (hashtext($1)::bigint & 4294967295)::oid`,
      [lock],
    );
    expect(rows).toEqual([{ killed: true }]);

    expect(await second.sampler.sampleOnce()).toBe(true);
    expect(await first.sampler.sampleOnce()).toBe(false);
    expect(await first.depths()).toEqual([]);
    expect(await first.reportsOutbox()).toBe(false);
    expect(await second.depths()).toContain(`${queue.name}-dlq visible 1`);
    await first.sampler.close();
    await second.sampler.close();
  });
});
