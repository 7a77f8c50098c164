import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';

/** SQS takes at most ten entries per batch request. */
export const MAX_BATCH_ENTRIES = 10;

/**
 * Deletes finished messages ten to a DeleteMessageBatch instead of one
 * DeleteMessage each: a message waits at most `lingerMs` for siblings. Only a
 * message whose handler succeeded is ever handed here, so at-least-once holds:
 * a crash before the flush, or a failed entry, means one more delivery, which
 * the idempotent handlers absorb.
 */
export class DeleteBatcher {
  readonly #sqs: SQSClient;
  readonly #log: Logger;
  readonly #queueUrl: string;
  readonly #lingerMs: number;
  #waiting: Message[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #flushes = new Set<Promise<void>>();

  constructor(
    deps: { sqs: SQSClient; logger: Logger },
    options: { queueUrl: string; lingerMs: number },
  ) {
    this.#sqs = deps.sqs;
    this.#log = deps.logger;
    this.#queueUrl = options.queueUrl;
    this.#lingerMs = options.lingerMs;
  }

  /** Queues the message for deletion; never rejects. */
  delete(message: Message): void {
    this.#waiting.push(message);
    if (this.#waiting.length >= MAX_BATCH_ENTRIES || this.#lingerMs === 0) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#lingerMs);
  }

  /** Sends what is waiting now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#waiting.length > 0) {
      const flush = this.#send(this.#waiting.splice(0, MAX_BATCH_ENTRIES));
      this.#flushes.add(flush);
      void flush.finally(() => this.#flushes.delete(flush));
    }
  }

  /** Sends what is waiting and waits for every delete sent so far. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.#flushes]);
  }

  async #send(messages: Message[]): Promise<void> {
    try {
      const { Failed = [] } = await this.#sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      for (const failed of Failed) {
        this.#log.error(
          {
            messageId: messages[Number(failed.Id)]?.MessageId,
            code: failed.Code,
            error: failed.Message,
          },
          'deleting a message failed',
        );
      }
    } catch (error) {
      // They will be delivered again; handlers are idempotent.
      for (const message of messages) {
        this.#log.error({ err: error, messageId: message.MessageId }, 'deleting a message failed');
      }
    }
  }
}
