import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { BatchWindow, outcomesById } from './batch-window.ts';

/**
 * Deletes finished messages ten to a DeleteMessageBatch instead of one
 * DeleteMessage each: a message waits at most `lingerMs` for siblings. Only a
 * message whose handler succeeded is ever handed here, so at-least-once holds:
 * a crash before the flush, or a failed entry, means one more delivery, which
 * the idempotent handlers absorb.
 */
export class DeleteBatcher {
  readonly #log: Logger;
  readonly #window: BatchWindow<Message, void>;

  constructor(
    deps: { sqs: SQSClient; logger: Logger },
    options: { queueUrl: string; lingerMs: number },
  ) {
    this.#log = deps.logger;
    this.#window = new BatchWindow<Message, void>(
      async (messages) => {
        const answer = await deps.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
        return outcomesById(messages.length, answer, () => undefined);
      },
      { lingerMs: options.lingerMs },
    );
  }

  /** Queues the message for deletion; never rejects. */
  delete(message: Message): void {
    this.#window.add(message).catch((error: unknown) => {
      // It will be delivered again; handlers are idempotent.
      this.#log.error({ err: error, messageId: message.MessageId }, 'deleting a message failed');
    });
  }

  /** Sends what is waiting and waits for every delete sent so far. */
  drain(): Promise<void> {
    return this.#window.drain();
  }
}
