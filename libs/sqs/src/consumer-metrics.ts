import type { Message } from '@aws-sdk/client-sqs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * How a message was settled: deleted (`done`), left for a later receive
 * (`retried`), left on its last receive so the RedrivePolicy moves it to the
 * DLQ (`dead_lettered`), or copied to the DLQ at once (`permanent`).
 */
export type ConsumerOutcome = 'done' | 'retried' | 'dead_lettered' | 'permanent';

const OUTCOMES: readonly ConsumerOutcome[] = ['done', 'retried', 'dead_lettered', 'permanent'];

/** A metric already in the registry (another consumer in this process made it), or a new one. */
export function registered<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

type Children = {
  readonly total: Record<ConsumerOutcome, Counter.Internal>;
  readonly handling: Record<ConsumerOutcome, Histogram.Internal<string>>;
  readonly wait: Histogram.Internal<string>;
  readonly inFlight: Gauge.Internal<string>;
};

/**
 * One queue's consumer metrics, the labelled children bound once so a message
 * costs no label lookup. Consumers of several queues in one process share the
 * registry's metrics under their own `queue` label.
 */
export class ConsumerMetrics {
  readonly #children: Children;
  /** The earliest SentTimestamp received since {@link takeOldestSentAt}. */
  #oldestSentAt: number | undefined;

  constructor(registry: Registry, queue: string) {
    const registers = [registry];
    const total = registered(
      registry,
      'airlock_queue_messages_total',
      () =>
        new Counter({
          name: 'airlock_queue_messages_total',
          help: 'Messages settled by the consumer, by outcome.',
          labelNames: ['queue', 'outcome'] as const,
          registers,
        }),
    );
    const handling = registered(
      registry,
      'airlock_queue_message_handling_seconds',
      () =>
        new Histogram({
          name: 'airlock_queue_message_handling_seconds',
          help: 'Time from receive to settled (handler and settling), by outcome.',
          labelNames: ['queue', 'outcome'] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers,
        }),
    );
    const wait = registered(
      registry,
      'airlock_queue_message_wait_seconds',
      () =>
        new Histogram({
          name: 'airlock_queue_message_wait_seconds',
          help: 'Time a message spent in the queue before this receive (receive time minus SentTimestamp).',
          labelNames: ['queue'] as const,
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
          registers,
        }),
    );
    const inFlight = registered(
      registry,
      'airlock_queue_messages_in_flight',
      () =>
        new Gauge({
          name: 'airlock_queue_messages_in_flight',
          help: 'Messages received by this process and not yet settled.',
          labelNames: ['queue'] as const,
          registers,
        }),
    );
    const byOutcome = <T>(child: (outcome: ConsumerOutcome) => T) =>
      Object.fromEntries(OUTCOMES.map((outcome) => [outcome, child(outcome)])) as Record<
        ConsumerOutcome,
        T
      >;
    this.#children = {
      total: byOutcome((outcome) => total.labels(queue, outcome)),
      handling: byOutcome((outcome) => handling.labels(queue, outcome)),
      wait: wait.labels(queue),
      inFlight: inFlight.labels(queue),
    };
    // Present (at 0) from the start, so a rate over a fresh process is not "no data".
    for (const outcome of OUTCOMES) this.#children.total[outcome].inc(0);
    this.#children.inFlight.set(0);
  }

  received(messages: readonly Message[], nowMs = Date.now()): void {
    this.#children.inFlight.inc(messages.length);
    for (const message of messages) {
      const sentAt = Number(message.Attributes?.SentTimestamp);
      if (!Number.isFinite(sentAt)) continue;
      this.#children.wait.observe(Math.max(0, nowMs - sentAt) / 1000);
      if (this.#oldestSentAt === undefined || sentAt < this.#oldestSentAt)
        this.#oldestSentAt = sentAt;
    }
  }

  settled(outcome: ConsumerOutcome, seconds: number): void {
    this.#children.inFlight.dec();
    this.#children.total[outcome].inc();
    this.#children.handling[outcome].observe(seconds);
  }

  /** The earliest SentTimestamp (ms) among the messages received since the last call. */
  takeOldestSentAt(): number | undefined {
    const oldest = this.#oldestSentAt;
    this.#oldestSentAt = undefined;
    return oldest;
  }
}

/**
 * The outcome of a message that was not done: a permanent failure, else a
 * retry, which is a dead letter when SQS will not deliver it again.
 */
export function failureOutcome(
  permanent: boolean,
  receiveCount: number,
  maxReceiveCount: number | undefined,
): ConsumerOutcome {
  if (permanent) return 'permanent';
  return maxReceiveCount !== undefined && receiveCount >= maxReceiveCount
    ? 'dead_lettered'
    : 'retried';
}

/** The maxReceiveCount of a RedrivePolicy attribute; `undefined` when there is none. */
export function maxReceiveCountOf(redrivePolicy: string | undefined): number | undefined {
  if (!redrivePolicy) return undefined;
  try {
    const count = Number(
      (JSON.parse(redrivePolicy) as { maxReceiveCount?: unknown }).maxReceiveCount,
    );
    return Number.isInteger(count) && count > 0 ? count : undefined;
  } catch {
    return undefined;
  }
}
