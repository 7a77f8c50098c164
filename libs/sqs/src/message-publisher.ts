import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Sends JSON messages to one queue. */
export class SqsMessagePublisher {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(deps: { sqs: SQSClient }, config: { queueUrl: string }) {
    this.#sqs = deps.sqs;
    this.#queueUrl = config.queueUrl;
  }

  /**
   * @param options.delaySeconds hidden from consumers this long (0–900).
   * @returns the SQS MessageId.
   */
  async publish(message: object, options: { delaySeconds?: number } = {}): Promise<string> {
    const { MessageId } = await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify(message),
        ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
      }),
    );
    if (!MessageId) throw new Error(`SQS returned no MessageId for a message to ${this.#queueUrl}`);
    return MessageId;
  }
}
