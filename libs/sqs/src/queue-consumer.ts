import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  parseMessage,
  PermanentFailure,
  type MessageContext,
  type MessageHandler,
} from '@airlock/core';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { Consumer } from 'sqs-consumer';
import type { z } from 'zod';
import { forEachWithConcurrency } from './concurrency.ts';
import {
  ConsumerMetrics,
  failureOutcome,
  maxReceiveCountOf,
  type ConsumerOutcome,
} from './consumer-metrics.ts';
import { MAX_BATCH_ENTRIES } from './batch-window.ts';
import { DeleteBatcher } from './delete-batcher.ts';
import { processInSpan } from './message-spans.ts';

export type FailureRecord = {
  queue: string;
  messageId: string;
  receiveCount: number;
  error: string;
  /** True when the message went to the DLQ at once (a {@link PermanentFailure}). */
  permanent: boolean;
  body: string;
  at: Date;
};

export type QueueConsumerOptions = {
  /** Name used in logs, failure records and DLQ attributes, e.g. 'upload-events'. */
  queue: string;
  queueUrl: string;
  dlqUrl: string;
  /** Messages per receive, 1 to 10. @defaultValue 10 */
  batchSize?: number;
  /** Messages handled at once within a batch. @defaultValue 4 */
  concurrency?: number;
  /**
   * How long a received message stays hidden; the heartbeat extends it while
   * the handler runs, so it only bounds how soon a killed worker's messages
   * come back. @defaultValue {@link DEFAULT_VISIBILITY_TIMEOUT_SECONDS}
   */
  visibilityTimeoutSeconds?: number;
  /**
   * Extends visibility while a handler runs (large objects); less than the
   * visibility timeout. @defaultValue {@link DEFAULT_HEARTBEAT_SECONDS}
   */
  heartbeatIntervalSeconds?: number;
  /** Long-poll wait, 0 to 20. @defaultValue 20 */
  waitTimeSeconds?: number;
  /** Seconds before a retried message is visible again. @defaultValue min(2^receiveCount, 300) */
  retryDelaySeconds?: (receiveCount: number) => number;
  /**
   * How long a finished message waits for others to share its
   * DeleteMessageBatch (ten at most), 0 to 5000; a crash in that window only
   * means one more delivery. @defaultValue {@link DEFAULT_DELETE_LINGER_MS}
   */
  deleteLingerMs?: number;
};

export type QueueConsumerDependencies<Job> = {
  sqs: SQSClient;
  logger: Logger;
  /**
   * The queue's message contract. Every body is parsed as JSON against it
   * before the handler sees it; one that fails can never succeed, so it is
   * dead-lettered at once like any {@link PermanentFailure}
   * (`unparseable_message` or `invalid_message`).
   */
  schema: z.ZodType<Job>;
  handler: MessageHandler<Job>;
  /** Told of every failed delivery, after the message is settled; best effort (a throw is only logged). */
  onFailure?: (record: FailureRecord) => Promise<void>;
  /** Where the consumer's metrics go (the process's registry). @defaultValue a private one */
  registry?: Registry;
};

const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * A killed worker's messages (and, on an emulator that ignores closed
 * connections, a message its dead long poll took) are visible again within
 * this: work resumes within seconds of a restart, not a minute.
 */
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 10;
/**
 * Three extensions within one visibility timeout: two may fail or come late
 * (a slow SQS call, a busy event loop) before a message still being worked on
 * could reappear. One ChangeMessageVisibility per message in hand every 3 s.
 */
export const DEFAULT_HEARTBEAT_SECONDS = 3;
/**
 * A finished message's delete waits this long for siblings: at a few hundred
 * messages a second, several deletes share one request, for 20 ms of latency
 * that nobody waits on (the handler's slot is free at once).
 */
export const DEFAULT_DELETE_LINGER_MS = 20;
/** SQS allows 10 message attributes; the DLQ copy adds these five. */
const MAX_MESSAGE_ATTRIBUTES = 10;
const DLQ_ATTRIBUTE_PREFIX = 'airlock-';

export const defaultRetryDelaySeconds = (receiveCount: number): number =>
  Math.min(2 ** receiveCount, 300);

type Heartbeat = { stop(): Promise<void> };

/**
 * The consumer every worker shares: polls with sqs-consumer, parses each body
 * against the queue's schema, hands the handler the typed job and gives each
 * message one of three ends (see `MessageOutcome` in core). `success` deletes
 * it; `retryLater` or a thrown error leaves it on the queue with a backoff, so
 * the queue's RedrivePolicy moves it to the DLQ after maxReceiveCount; a thrown
 * {@link PermanentFailure} copies it to the DLQ at once and then deletes it.
 */
export class QueueConsumer<Job> {
  readonly #sqs: SQSClient;
  readonly #log: Logger;
  readonly #schema: z.ZodType<Job>;
  readonly #handler: MessageHandler<Job>;
  readonly #onFailure: ((record: FailureRecord) => Promise<void>) | undefined;
  readonly #queue: string;
  readonly #queueUrl: string;
  readonly #dlqUrl: string;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #visibilityTimeout: number;
  readonly #heartbeatMs: number;
  readonly #retryDelaySeconds: (receiveCount: number) => number;
  readonly #consumer: Consumer;
  readonly #deletes: DeleteBatcher;
  readonly #metrics: ConsumerMetrics;
  /** From the queue's RedrivePolicy, read at start: a retry on this receive is a dead letter. */
  #maxReceiveCount: number | undefined;
  readonly #batches = new Set<Promise<void>>();
  /** Resolved whenever a message is settled, so a waiting receive can check for room. */
  #settled: Array<() => void> = [];
  #inFlight = 0;
  #started = false;
  #closing: Promise<void> | undefined;

  constructor(deps: QueueConsumerDependencies<Job>, options: QueueConsumerOptions) {
    const batchSize = options.batchSize ?? 10;
    this.#concurrency = options.concurrency ?? 4;
    this.#visibilityTimeout =
      options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
    const heartbeat = options.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
    const waitTimeSeconds = options.waitTimeSeconds ?? 20;
    assertInteger('batchSize', batchSize, 1, 10);
    assertInteger('concurrency', this.#concurrency, 1, Number.MAX_SAFE_INTEGER);
    assertInteger('visibilityTimeoutSeconds', this.#visibilityTimeout, 1, MAX_VISIBILITY_SECONDS);
    assertInteger('heartbeatIntervalSeconds', heartbeat, 1, this.#visibilityTimeout - 1);
    assertInteger('waitTimeSeconds', waitTimeSeconds, 0, 20);
    const deleteLingerMs = options.deleteLingerMs ?? DEFAULT_DELETE_LINGER_MS;
    assertInteger('deleteLingerMs', deleteLingerMs, 0, 5000);

    this.#sqs = deps.sqs;
    this.#log = deps.logger.child({ queue: options.queue });
    this.#schema = deps.schema;
    this.#handler = deps.handler;
    this.#onFailure = deps.onFailure;
    this.#queue = options.queue;
    this.#queueUrl = options.queueUrl;
    this.#dlqUrl = options.dlqUrl;
    this.#heartbeatMs = heartbeat * 1000;
    this.#batchSize = batchSize;
    this.#retryDelaySeconds = options.retryDelaySeconds ?? defaultRetryDelaySeconds;
    this.#metrics = new ConsumerMetrics(deps.registry ?? new Registry(), options.queue);
    this.#deletes = new DeleteBatcher(
      { sqs: deps.sqs, logger: this.#log },
      { queueUrl: options.queueUrl, lingerMs: deleteLingerMs },
    );

    // sqs-consumer's own heartbeat (`heartbeatInterval`) is not used: in batch
    // mode it extends every message of the batch until the whole batch is done,
    // which would undo the backoff of a message that already failed while a
    // sibling is still running. Each message gets its own heartbeat instead,
    // stopped before the message is settled. Deletes are ours too, batched
    // across messages as they finish (DeleteBatcher), and they do not use
    // sqs-consumer's abort signal, so close() can abort a long poll without
    // aborting a delete.
    this.#consumer = Consumer.create({
      queueUrl: options.queueUrl,
      sqs: deps.sqs,
      // Only read when sqs-consumer builds its own client; ours is injected.
      useQueueUrlAsEndpoint: false,
      batchSize,
      visibilityTimeout: this.#visibilityTimeout,
      waitTimeSeconds,
      messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      messageAttributeNames: ['All'],
      shouldDeleteMessages: false,
      handleMessageBatch: async (messages) => {
        await this.#handleBatch(messages);
        return [];
      },
    });
    this.#consumer.on('error', (error) => {
      // Aborting the long poll on close() surfaces here as a receive error.
      if (this.#closing) this.#log.debug({ err: error }, 'sqs-consumer error while closing');
      else this.#log.error({ err: error }, 'sqs-consumer error');
    });
  }

  /** This consumer's metrics (the earliest SentTimestamp it received, for the depth sampler). */
  get metrics(): ConsumerMetrics {
    return this.#metrics;
  }

  /** Messages received and not yet settled (deleted, backed off or dead-lettered). */
  get inFlight(): number {
    return this.#inFlight;
  }

  start(): void {
    if (this.#closing) {
      this.#log.warn('start() after close() ignored');
      return;
    }
    if (this.#started) return;
    this.#started = true;
    void this.#readRedrivePolicy();
    this.#consumer.start();
    this.#log.info('consumer started');
  }

  /**
   * Stops polling, then waits for every received message to be settled.
   * The last long poll is allowed to finish (up to waitTimeSeconds) rather
   * than aborted: SQS would still hand an aborted poll a message, which then
   * stays invisible for a whole visibility timeout. What that last poll
   * brings is released at once. Memoised; never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    try {
      this.#consumer.stop({ abort: false });
    } catch (error) {
      this.#log.error({ err: error }, 'stopping sqs-consumer failed');
    }
    // A receive waiting for room returns now; its messages are still awaited below.
    for (const wake of this.#settled.splice(0)) wake();
    // isPolling stays true from the receive until sqs-consumer's batch handler returns.
    // Batches never reject (#handleBatch logs), so this loop cannot throw.
    while (this.#consumer.status.isPolling || this.#batches.size > 0) {
      if (this.#batches.size > 0) await Promise.allSettled([...this.#batches]);
      else await sleep(25);
    }
    await this.#deletes.drain();
    this.#log.info('consumer closed');
  }

  /** Best effort: without it, a retry on the last receive counts as `retried`. */
  async #readRedrivePolicy(): Promise<void> {
    try {
      const { Attributes } = await this.#sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#queueUrl,
          AttributeNames: ['RedrivePolicy'],
        }),
      );
      this.#maxReceiveCount = maxReceiveCountOf(Attributes?.RedrivePolicy);
    } catch (error) {
      this.#log.warn(
        { err: error },
        'reading the RedrivePolicy failed: dead letters count as retries',
      );
    }
  }

  async #handleBatch(messages: Message[]): Promise<void> {
    if (this.#closing) {
      // Received as close() began: hand them straight back to the queue.
      await this.#release(messages);
      return;
    }
    this.#inFlight += messages.length;
    this.#metrics.received(messages);
    const heartbeats = new Map(messages.map((message) => [message, this.#heartbeat(message)]));
    const batch = forEachWithConcurrency(messages, this.#concurrency, async (message) => {
      const startedAt = performance.now();
      let outcome: ConsumerOutcome = 'retried';
      try {
        outcome = await this.#process(message, heartbeats.get(message)!);
      } finally {
        this.#metrics.settled(outcome, (performance.now() - startedAt) / 1000);
        this.#inFlight--;
        for (const wake of this.#settled.splice(0)) wake();
      }
    }).catch((error: unknown) => this.#log.error({ err: error }, 'settling a batch failed'));
    this.#batches.add(batch);
    void batch.finally(() => this.#batches.delete(batch));
    // sqs-consumer receives again once this returns. Returning when a whole
    // batch fits beside what is still in hand, rather than when this batch is
    // done, keeps one slow message from holding back every later one, and
    // never has more than `concurrency` messages in hand (with concurrency
    // below batchSize, that means waiting for the batch as before).
    const room = Math.max(0, this.#concurrency - this.#batchSize);
    while (this.#inFlight > room && !this.#closing) {
      await new Promise<void>((resolve) => this.#settled.push(resolve));
    }
  }

  async #process(message: Message, heartbeat: Heartbeat): Promise<ConsumerOutcome> {
    const context: MessageContext = {
      queue: this.#queue,
      messageId: message.MessageId ?? '',
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    };
    const body = message.Body ?? '';
    let outcome: unknown;
    let thrown: unknown;
    try {
      outcome = await processInSpan(this.#queue, message, () =>
        this.#handler(parseMessage(this.#schema, body), context),
      );
    } catch (error) {
      thrown = error;
    }
    // Stopped (and its last request awaited) before the message is settled, so
    // a late heartbeat cannot undo a backoff.
    await heartbeat.stop();

    if (thrown === undefined && outcome === 'success') {
      this.#deletes.delete(message);
      return 'done';
    }
    const error =
      thrown === undefined
        ? `handler returned ${String(outcome)}`
        : thrown instanceof PermanentFailure
          ? `${thrown.reason}: ${thrown.message}`
          : thrown instanceof Error
            ? thrown.message
            : String(thrown);
    const permanent =
      thrown instanceof PermanentFailure && (await this.#deadLetter(message, context, error));
    if (!permanent) await this.#changeVisibility(message, this.#retryDelay(context.receiveCount));

    this.#log[permanent ? 'error' : 'warn'](
      {
        messageId: context.messageId,
        receiveCount: context.receiveCount,
        error,
        permanent,
        ...(thrown instanceof Error ? { err: thrown } : {}),
      },
      permanent ? 'message failed permanently: sent to the DLQ' : 'message failed: will retry',
    );
    await this.#notify({ ...context, error, permanent, body, at: new Date() });
    return failureOutcome(permanent, context.receiveCount, this.#maxReceiveCount);
  }

  /** Copies the message to the DLQ, then deletes it; false when the copy failed (it stays queued). */
  async #deadLetter(message: Message, context: MessageContext, error: string): Promise<boolean> {
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#dlqUrl,
          MessageBody: message.Body ?? '',
          MessageAttributes: {
            ...forwardedAttributes(message.MessageAttributes),
            'airlock-source-queue': text(this.#queue),
            'airlock-error': text(error),
            'airlock-failed-at': text(new Date().toISOString()),
            'airlock-receive-count': {
              DataType: 'Number',
              StringValue: String(context.receiveCount),
            },
            'airlock-permanent': text('true'),
          },
        }),
      );
    } catch (sendError) {
      this.#log.error(
        { err: sendError, messageId: context.messageId },
        'sending to the DLQ failed: the message stays on the queue',
      );
      return false;
    }
    this.#deletes.delete(message);
    return true;
  }

  #heartbeat(message: Message): Heartbeat {
    let pending: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      pending = this.#changeVisibility(message, this.#visibilityTimeout);
    }, this.#heartbeatMs);
    return {
      stop: async () => {
        clearInterval(timer);
        await pending;
      },
    };
  }

  #retryDelay(receiveCount: number): number {
    let seconds: number;
    try {
      seconds = this.#retryDelaySeconds(receiveCount);
    } catch (error) {
      this.#log.error({ err: error }, 'retryDelaySeconds threw: using the default');
      seconds = defaultRetryDelaySeconds(receiveCount);
    }
    if (!Number.isFinite(seconds)) seconds = defaultRetryDelaySeconds(receiveCount);
    return Math.min(Math.max(Math.round(seconds), 0), MAX_VISIBILITY_SECONDS);
  }

  /** Makes messages visible again at once, ten to a request. */
  async #release(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += MAX_BATCH_ENTRIES) {
      const chunk = messages.slice(start, start + MAX_BATCH_ENTRIES);
      try {
        await this.#sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      } catch (error) {
        // They still come back once their visibility timeout ends.
        this.#log.warn({ err: error, messages: chunk.length }, 'releasing messages failed');
      }
    }
  }

  async #changeVisibility(message: Message, seconds: number): Promise<void> {
    try {
      await this.#sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      // The message still comes back once its current visibility timeout ends.
      this.#log.warn(
        { err: error, messageId: message.MessageId, seconds },
        'changing message visibility failed',
      );
    }
  }

  async #notify(record: FailureRecord): Promise<void> {
    if (!this.#onFailure) return;
    try {
      await this.#onFailure(record);
    } catch (error) {
      this.#log.error({ err: error, messageId: record.messageId }, 'onFailure threw');
    }
  }
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** The message's own attributes, minus ours, as many as fit beside the five the DLQ copy adds. */
function forwardedAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> {
  const entries = Object.entries(attributes ?? {})
    .filter(([name]) => !name.startsWith(DLQ_ATTRIBUTE_PREFIX))
    .slice(0, MAX_MESSAGE_ATTRIBUTES - 5)
    .map(([name, value]): [string, MessageAttributeValue] => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
      },
    ]);
  return Object.fromEntries(entries);
}

function assertInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
