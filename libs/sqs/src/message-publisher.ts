import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWindow, outcomesById } from './batch-window.ts';
import { queueNameOf, sendInSpan } from './message-spans.ts';

type Outgoing = {
  body: string;
  delaySeconds: number | undefined;
  attributes: Record<string, MessageAttributeValue>;
};

/** Sends JSON messages to one queue. */
export class SqsMessagePublisher {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #queue: string;
  readonly #batches: BatchWindow<Outgoing, string> | undefined;

  /**
   * @param config.batchLingerMs when above 0, a message waits up to this long
   * for others published meanwhile (by the other handlers of a busy worker) to
   * share one SendMessageBatch, ten at most. Each `publish` still resolves only
   * once its own message is accepted, and rejects when it is not.
   * @defaultValue 0: one SendMessage each.
   */
  constructor(deps: { sqs: SQSClient }, config: { queueUrl: string; batchLingerMs?: number }) {
    this.#sqs = deps.sqs;
    this.#queueUrl = config.queueUrl;
    this.#queue = queueNameOf(config.queueUrl);
    const lingerMs = config.batchLingerMs ?? 0;
    if (!Number.isInteger(lingerMs) || lingerMs < 0 || lingerMs > 1000)
      throw new RangeError(`batchLingerMs must be an integer from 0 to 1000, got ${lingerMs}`);
    this.#batches =
      lingerMs > 0
        ? new BatchWindow((messages) => this.#sendBatch(messages), { lingerMs })
        : undefined;
  }

  /**
   * In a PRODUCER span whose context the message carries (`traceparent`).
   * @param options.delaySeconds hidden from consumers this long (0–900).
   * @returns the SQS MessageId.
   */
  publish(message: object, options: { delaySeconds?: number } = {}): Promise<string> {
    return sendInSpan(this.#queue, (attributes) =>
      this.#publish({
        body: JSON.stringify(message),
        delaySeconds: options.delaySeconds,
        attributes,
      }),
    );
  }

  async #publish(outgoing: Outgoing): Promise<string> {
    if (this.#batches) return this.#batches.add(outgoing);
    const { MessageId } = await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: outgoing.body,
        MessageAttributes: outgoing.attributes,
        ...(outgoing.delaySeconds ? { DelaySeconds: outgoing.delaySeconds } : {}),
      }),
    );
    return this.#messageId(MessageId);
  }

  async #sendBatch(messages: Outgoing[]): Promise<Array<string | Error>> {
    const answer = await this.#sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.#queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          MessageBody: message.body,
          MessageAttributes: message.attributes,
          ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
        })),
      }),
    );
    return outcomesById(messages.length, answer, (entry) => entry.MessageId ?? this.#noMessageId());
  }

  #messageId(messageId: string | undefined): string {
    if (!messageId) throw this.#noMessageId();
    return messageId;
  }

  #noMessageId(): Error {
    return new Error(`SQS returned no MessageId for a message to ${this.#queueUrl}`);
  }
}
