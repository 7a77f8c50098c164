/**
 * How a queue handler ends, chosen on purpose:
 * - `success`: done (or nothing to do: a replay); the message is deleted.
 * - `retryLater`: a transient problem (S3, Postgres or clamd unreachable); the
 *   message comes back after a backoff and lands in the DLQ after
 *   maxReceiveCount receives. Throwing any other error means the same.
 * - throwing {@link PermanentFailure}: retrying cannot help (an unparseable
 *   message); it goes to the DLQ at once, with the reason.
 *
 * A domain verdict ("checksum mismatch", "infected") is not a failure: the
 * handler records it and returns `success`.
 */
export type MessageOutcome = 'success' | 'retryLater';

export class PermanentFailure extends Error {
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = 'PermanentFailure';
    this.reason = reason;
  }
}

export type MessageContext = {
  readonly queue: string;
  readonly messageId: string;
  /** 1 on the first delivery. */
  readonly receiveCount: number;
};

/**
 * Handles one job: the message body already parsed against the queue's schema
 * (a body that fails it never reaches the handler: see `parseMessage`).
 */
export type MessageHandler<Job> = (job: Job, context: MessageContext) => Promise<MessageOutcome>;
