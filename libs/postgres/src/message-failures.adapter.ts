import type { Pool } from './pool.ts';

export type MessageFailure = {
  readonly queue: string;
  readonly messageId: string;
  readonly receiveCount: number;
  readonly permanent: boolean;
  readonly error: string;
};

export type StoredMessageFailure = MessageFailure & { firstFailedAt: Date; lastFailedAt: Date };

/** Where a message's last error is kept, for operators to read next to its dead letter. */
export class PgMessageFailures {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  async record(failure: MessageFailure): Promise<void> {
    await this.#pool.query(
      `INSERT INTO message_failures (queue, message_id, receive_count, permanent, last_error)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (queue, message_id) DO UPDATE SET
         receive_count = GREATEST(message_failures.receive_count, EXCLUDED.receive_count),
         permanent = EXCLUDED.permanent, last_error = EXCLUDED.last_error, last_failed_at = now()`,
      [
        failure.queue,
        failure.messageId,
        failure.receiveCount,
        failure.permanent,
        failure.error.slice(0, 4000),
      ],
    );
  }

  async find(queue: string, messageId: string): Promise<StoredMessageFailure | undefined> {
    const { rows } = await this.#pool.query<StoredMessageFailure>(
      `SELECT queue, message_id AS "messageId", receive_count AS "receiveCount", permanent,
              last_error AS error, first_failed_at AS "firstFailedAt", last_failed_at AS "lastFailedAt"
       FROM message_failures WHERE queue = $1 AND message_id = $2`,
      [queue, messageId],
    );
    return rows[0];
  }
}
