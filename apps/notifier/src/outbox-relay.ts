import { setTimeout as sleep } from 'node:timers/promises';
import { webhookDelivery } from '@airlock/core';
import type { PgWebhookOutbox } from '@airlock/postgres';
import type { Logger } from '@airlock/runtime';
import { contextFrom } from '@airlock/tracing';
import { context } from '@opentelemetry/api';

export type OutboxRelayDependencies = {
  readonly outbox: Pick<PgWebhookOutbox, 'relay'>;
  readonly publish: (message: object) => Promise<unknown>;
  readonly logger: Logger;
  /** Told how many deliveries each poll queued (the relay counter, per process). */
  readonly relayed?: (count: number) => void;
};

/**
 * Half to one and a half times `ms`, at random: notifiers started together
 * would otherwise poll in step, and the first in step would take every row.
 */
export const jittered = (ms: number, random: () => number = Math.random): number =>
  Math.round(ms * (0.5 + random()));

export type OutboxRelayOptions = {
  /** Pause between polls of an empty outbox. */
  readonly intervalMs: number;
  readonly batchSize: number;
};

/**
 * Moves webhook deliveries from the Postgres outbox to the webhook-jobs
 * queue. A full batch is followed at once by the next; an empty or failed
 * poll waits `intervalMs`. Failures are logged and retried: the rows stay
 * in the outbox, so nothing is lost while SQS or Postgres is away.
 */
export class OutboxRelay {
  readonly #deps: OutboxRelayDependencies;
  readonly #options: OutboxRelayOptions;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(deps: OutboxRelayDependencies, options: OutboxRelayOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Finishes the batch in hand, then stops. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** One poll; @returns how many deliveries were queued. */
  relayOnce(): Promise<number> {
    return this.#deps.outbox.relay(this.#options.batchSize, async (ids, traceParents) => {
      // Each job is sent in its upload's trace (its producer span a child of it).
      const sends = await Promise.allSettled(
        ids.map((id) =>
          context.with(contextFrom(traceParents.get(id)), () =>
            this.#deps.publish(webhookDelivery(id)),
          ),
        ),
      );
      const failed = sends.filter((send) => send.status === 'rejected');
      if (failed.length > 0) {
        this.#deps.logger.warn(
          { err: failed[0]!.reason, failed: failed.length, of: ids.length },
          'some webhook jobs were not sent; they stay in the outbox',
        );
      }
      // Only what was sent is marked queued: a resend of the rest cannot repeat these.
      return ids.filter((_id, index) => sends[index]!.status === 'fulfilled');
    });
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      let queued = 0;
      try {
        queued = await this.relayOnce();
        if (queued > 0) {
          this.#deps.relayed?.(queued);
          this.#deps.logger.debug({ queued }, 'webhook deliveries queued');
        }
      } catch (error) {
        this.#deps.logger.error({ err: error }, 'webhook outbox relay failed; retrying');
      }
      if (queued < this.#options.batchSize) {
        await sleep(jittered(this.#options.intervalMs), undefined, {
          signal: this.#stop.signal,
        }).catch(() => {});
      }
    }
  }
}
