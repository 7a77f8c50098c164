import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@airlock/runtime';
import { registered } from '@airlock/sqs';
import { Gauge, type Registry } from 'prom-client';
import type { BackgroundLoop } from './create-worker.ts';

/** One thing the elected process measures each round; `forget` drops its series when it is not elected. */
export type Sample = { sample(): Promise<void>; forget(): void };

/** The election: true while this process is the one that samples. */
export type Election = { acquire(): Promise<boolean>; close(): Promise<void> };

/**
 * Every `intervalMs`, the process that wins the election (an advisory lock
 * in PostgreSQL: one replica of a worker, whichever asks first) takes every
 * sample; the others drop those series, so a sum over processes counts each
 * queue once. A failed sample is logged and tried again next round.
 */
export class LeaderSampler implements BackgroundLoop {
  readonly #election: Election;
  readonly #samples: readonly Sample[];
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(
    deps: { election: Election; samples: readonly Sample[]; logger: Logger },
    options: { intervalMs: number },
  ) {
    this.#election = deps.election;
    this.#samples = deps.samples;
    this.#logger = deps.logger;
    this.#intervalMs = options.intervalMs;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#election.close();
  }

  /** One round: samples when elected, else forgets. @returns whether this process sampled. */
  async sampleOnce(): Promise<boolean> {
    const elected = await this.#election.acquire();
    for (const sample of this.#samples) {
      if (!elected) {
        sample.forget();
        continue;
      }
      try {
        await sample.sample();
      } catch (error) {
        this.#logger.warn({ err: error }, 'metrics sample failed; trying again next round');
      }
    }
    return elected;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      await this.sampleOnce();
      await sleep(this.#intervalMs, undefined, { signal: this.#stop.signal }).catch(() => {});
    }
  }
}

/** A gauge already in the registry (another sampler in this process made it), or a new one. */
function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Gauge<L> {
  return registered(
    registry,
    name,
    () => new Gauge({ name, help, labelNames, registers: [registry] }),
  );
}

export const queueDepthGauge = (registry: Registry) =>
  gauge(
    registry,
    'airlock_queue_depth',
    'Messages in the queue (SQS approximate counts), by state: visible, in_flight, delayed.',
    ['queue', 'state'],
  );

export const queueAgeGauge = (registry: Registry) =>
  gauge(
    registry,
    'airlock_queue_oldest_message_age_seconds',
    'Age of the oldest message the consumer met in the last round (0 when the queue is empty); see docs/operations.md.',
    ['queue'],
  );

export const outboxGauges = (registry: Registry) => ({
  backlog: gauge(
    registry,
    'airlock_outbox_backlog',
    'Webhook deliveries written and not yet relayed to the webhook-jobs queue.',
    [],
  ),
  oldestAge: gauge(
    registry,
    'airlock_outbox_oldest_age_seconds',
    'Age of the oldest webhook delivery not yet relayed (0 when none).',
    [],
  ),
});
