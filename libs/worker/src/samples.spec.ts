import type { SQSClient } from '@aws-sdk/client-sqs';
import { createLogger } from '@airlock/runtime';
import { Registry } from 'prom-client';
import { LeaderSampler, type Election } from './queue-sampler.ts';
import { queueSample } from './samples.ts';

/** Answers GetQueueAttributes with the counts queued for each URL. */
function fakeSqs(counts: Map<string, [number, number, number]>): SQSClient {
  return {
    send: async (command: { input: { QueueUrl: string } }) => {
      const [visible, inFlight, delayed] = counts.get(command.input.QueueUrl) ?? [0, 0, 0];
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(inFlight),
          ApproximateNumberOfMessagesDelayed: String(delayed),
        },
      };
    },
  } as unknown as SQSClient;
}

const queue = { name: 'scan-jobs', url: 'q', dlqUrl: 'dlq' };
const ages = async (registry: Registry) =>
  (await registry.getSingleMetric('airlock_queue_oldest_message_age_seconds')!.get()).values.map(
    ({ value }) => value,
  );

describe('queueSample: the oldest message age', () => {
  it('is the age of the oldest message received since the last round, growing while none arrives, 0 once empty', async () => {
    const counts = new Map<string, [number, number, number]>([['q', [4, 1, 0]]]);
    const registry = new Registry();
    let now = 100_000;
    const received: Array<number | undefined> = [70_000, undefined, undefined];
    const sample = queueSample(
      { sqs: fakeSqs(counts), registry, oldestSentAt: () => received.shift(), now: () => now },
      queue,
    );
    await sample.sample();
    expect(await ages(registry)).toEqual([30]);
    now += 10_000; // nothing received since: the same message is still the oldest known
    await sample.sample();
    expect(await ages(registry)).toEqual([40]);
    counts.set('q', [0, 0, 0]);
    await sample.sample();
    expect(await ages(registry)).toEqual([0]);
  });

  it('reports no age while it knows none (nothing received yet, the queue not empty)', async () => {
    const registry = new Registry();
    const sample = queueSample(
      {
        sqs: fakeSqs(new Map([['q', [2, 0, 0]]])),
        registry,
        oldestSentAt: () => undefined,
      },
      queue,
    );
    await sample.sample();
    expect(await ages(registry)).toEqual([]);
  });
});

describe('LeaderSampler', () => {
  const logger = createLogger({ level: 'silent', service: 'test' });
  it('samples while elected, forgets when not, and keeps going when a sample throws', async () => {
    const elected = [true, false, true];
    const election: Election = { acquire: async () => elected.shift()!, close: async () => {} };
    const calls: string[] = [];
    const sampler = new LeaderSampler(
      {
        election,
        samples: [
          {
            sample: async () => {
              calls.push('broken');
              throw new Error('SQS away');
            },
            forget: () => calls.push('forget broken'),
          },
          { sample: async () => void calls.push('sample'), forget: () => calls.push('forget') },
        ],
        logger,
      },
      { intervalMs: 1000 },
    );
    expect(await sampler.sampleOnce()).toBe(true);
    expect(await sampler.sampleOnce()).toBe(false);
    expect(await sampler.sampleOnce()).toBe(true);
    expect(calls).toEqual(['broken', 'sample', 'forget broken', 'forget', 'broken', 'sample']);
  });
});
