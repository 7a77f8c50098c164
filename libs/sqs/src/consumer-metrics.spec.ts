import { Registry, type Histogram } from 'prom-client';
import { ConsumerMetrics, failureOutcome, maxReceiveCountOf } from './consumer-metrics.ts';

describe('failureOutcome', () => {
  it('is permanent for a PermanentFailure, whatever the receive', () => {
    expect(failureOutcome(true, 5, 5)).toBe('permanent');
  });
  it('is a dead letter on the last receive the RedrivePolicy allows, a retry before it', () => {
    expect([1, 2, 3, 4].map((receive) => failureOutcome(false, receive, 3))).toEqual([
      'retried',
      'retried',
      'dead_lettered',
      'dead_lettered',
    ]);
  });
  it('is a retry when the queue has no RedrivePolicy (or it was not read)', () => {
    expect(failureOutcome(false, 99, undefined)).toBe('retried');
  });
});

describe('maxReceiveCountOf', () => {
  it('reads maxReceiveCount from the RedrivePolicy attribute', () => {
    expect(maxReceiveCountOf('{"deadLetterTargetArn":"arn:x","maxReceiveCount":5}')).toBe(5);
    expect(maxReceiveCountOf('{"deadLetterTargetArn":"arn:x","maxReceiveCount":"3"}')).toBe(3);
  });
  it('is undefined without one, or for one it cannot read', () => {
    expect(maxReceiveCountOf(undefined)).toBeUndefined();
    expect(maxReceiveCountOf('not json')).toBeUndefined();
    expect(maxReceiveCountOf('{"maxReceiveCount":0}')).toBeUndefined();
  });
});

describe('ConsumerMetrics', () => {
  const valueOf = async (registry: Registry, name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values.find((sample) =>
      Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
    )?.value;

  it('counts settled messages by outcome, in flight and the wait from SentTimestamp', async () => {
    const registry = new Registry();
    const metrics = new ConsumerMetrics(registry, 'scan-jobs');
    const now = 1_000_000;
    metrics.received(
      [
        { Attributes: { SentTimestamp: String(now - 2500) } },
        { Attributes: { SentTimestamp: String(now - 500) } },
        { Attributes: {} },
      ],
      now,
    );
    expect(await valueOf(registry, 'airlock_queue_messages_in_flight', {})).toBe(3);
    metrics.settled('done', 0.1);
    metrics.settled('dead_lettered', 0.2);
    expect(await valueOf(registry, 'airlock_queue_messages_in_flight', {})).toBe(1);
    expect(await valueOf(registry, 'airlock_queue_messages_total', { outcome: 'done' })).toBe(1);
    expect(
      await valueOf(registry, 'airlock_queue_messages_total', { outcome: 'dead_lettered' }),
    ).toBe(1);
    expect(await valueOf(registry, 'airlock_queue_messages_total', { outcome: 'retried' })).toBe(0);
    const histogram = registry.getSingleMetric('airlock_queue_message_wait_seconds') as Histogram;
    const wait = (await histogram.get()).values;
    expect(wait.find((sample) => sample.metricName?.endsWith('_sum'))?.value).toBe(3);
    expect(wait.find((sample) => sample.metricName?.endsWith('_count'))?.value).toBe(2);
    // The oldest SentTimestamp since the last look, once.
    expect(metrics.takeOldestSentAt()).toBe(now - 2500);
    expect(metrics.takeOldestSentAt()).toBeUndefined();
  });

  it('shares one registry between the consumers of several queues, by queue label', async () => {
    const registry = new Registry();
    new ConsumerMetrics(registry, 'scan-jobs').settled('done', 0.01);
    new ConsumerMetrics(registry, 'media-jobs').settled('permanent', 0.01);
    const totals = (await registry.getSingleMetric('airlock_queue_messages_total')!.get()).values
      .filter((sample) => sample.value > 0)
      .map(({ labels }) => `${String(labels.queue)} ${String(labels.outcome)}`);
    expect(totals.sort()).toEqual(['media-jobs permanent', 'scan-jobs done']);
  });
});
