import type { OutboxBacklog } from '@airlock/postgres';
import { dlqName, queueDepth } from '@airlock/sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Registry } from 'prom-client';
import { outboxGauges, queueAgeGauge, queueDepthGauge, type Sample } from './queue-sampler.ts';

/**
 * A queue's and its DLQ's depth (one GetQueueAttributes each: nothing is
 * received), and the source queue's oldest-message age. SQS tells that age
 * only to CloudWatch (ApproximateAgeOfOldestMessage), and peeking would bump
 * receive counts, so it is the age of the oldest message the consumer met
 * since the last round (SQS hands out roughly oldest first); while nothing
 * comes in and the queue still holds messages, it keeps growing; 0 when the
 * queue is empty. A DLQ has no consumer: depth only.
 */
export function queueSample(
  deps: {
    sqs: SQSClient;
    registry: Registry;
    /** The consumer's earliest SentTimestamp (ms) received since the last call. */
    oldestSentAt: () => number | undefined;
    now?: () => number;
  },
  queue: { readonly name: string; readonly url: string; readonly dlqUrl: string },
): Sample {
  const depth = queueDepthGauge(deps.registry);
  const age = queueAgeGauge(deps.registry);
  const now = deps.now ?? Date.now;
  const dlq = dlqName(queue.name);
  let oldestSentAt: number | undefined;
  const setDepth = (name: string, counts: Awaited<ReturnType<typeof queueDepth>>) => {
    depth.labels(name, 'visible').set(counts.visible);
    depth.labels(name, 'in_flight').set(counts.inFlight);
    depth.labels(name, 'delayed').set(counts.delayed);
  };
  return {
    async sample() {
      const [source, dead] = await Promise.all([
        queueDepth(deps.sqs, queue.url),
        queueDepth(deps.sqs, queue.dlqUrl),
      ]);
      setDepth(queue.name, source);
      setDepth(dlq, dead);
      oldestSentAt = deps.oldestSentAt() ?? oldestSentAt;
      if (source.visible + source.inFlight === 0) {
        oldestSentAt = undefined;
        age.labels(queue.name).set(0);
      } else if (oldestSentAt !== undefined) {
        age.labels(queue.name).set(Math.max(0, now() - oldestSentAt) / 1000);
      }
    },
    forget() {
      for (const name of [queue.name, dlq])
        for (const state of ['visible', 'in_flight', 'delayed']) depth.remove(name, state);
      age.remove(queue.name);
      oldestSentAt = undefined;
    },
  };
}

/** The webhook outbox's backlog: deliveries not yet relayed to the queue, and the oldest's age. */
export function outboxSample(deps: {
  outbox: { backlog(): Promise<OutboxBacklog> };
  registry: Registry;
}): Sample {
  const gauges = outboxGauges(deps.registry);
  // Absent, not 0, until this process is elected.
  gauges.backlog.remove();
  gauges.oldestAge.remove();
  return {
    async sample() {
      const backlog = await deps.outbox.backlog();
      gauges.backlog.set(backlog.count);
      gauges.oldestAge.set(backlog.oldestAgeSeconds);
    },
    forget() {
      gauges.backlog.remove();
      gauges.oldestAge.remove();
    },
  };
}
