import type { PendingWebhook, WebhookAttempt, WebhookOutbox, WebhookState } from '@airlock/core';
import type { Pool } from './pool.ts';

export type { PendingWebhook, WebhookAttempt };

export type WebhookDeliveryRecord = {
  readonly id: string;
  readonly type: string;
  readonly createdAt: Date;
  readonly queuedAt: Date | undefined;
  readonly attempts: number;
  readonly lastAttemptAt: Date | undefined;
  readonly lastStatus: number | undefined;
  readonly lastError: string | undefined;
  readonly deliveredAt: Date | undefined;
  readonly abandonedAt: Date | undefined;
  readonly abandonedReason: string | undefined;
};

/** The row as pg returns it: SQL NULL where the record has undefined. */
type Row<T> = { [K in keyof T]: undefined extends T[K] ? Exclude<T[K], undefined> | null : T[K] };

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;

/** Deliveries written and not yet relayed to the webhook-jobs queue. */
export type OutboxBacklog = { readonly count: number; readonly oldestAgeSeconds: number };

/** The webhook outbox the terminal-transition trigger fills (see the webhooks migration). */
export class PgWebhookOutbox implements WebhookOutbox {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  /**
   * How many deliveries wait for the relay, and the age of the oldest: read
   * from the partial index on unqueued rows (`webhook_deliveries_unqueued`),
   * so its cost follows the backlog, not the table.
   */
  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.#pool.query<{ count: number; oldest: number | null }>(
      `SELECT count(*)::int AS count,
         EXTRACT(EPOCH FROM clock_timestamp() - min(created_at))::float8 AS oldest
       FROM webhook_deliveries WHERE queued_at IS NULL`,
    );
    const row = rows[0];
    return { count: row?.count ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest ?? 0) };
  }

  /**
   * Takes up to `limit` unqueued deliveries, hands their ids to `send` and
   * marks the ones it reports sent as queued, in the same transaction. What
   * was not sent stays for the next round; a crash after a send can queue a
   * row twice, which {@link claim} makes harmless. SKIP LOCKED lets several
   * relays share the outbox. `send` also gets each upload's `traceparent`
   * (when it has one), so its webhook job continues the upload's trace.
   * @returns how many were queued.
   */
  async relay(
    limit: number,
    send: (deliveryIds: string[], traceParents: ReadonlyMap<string, string>) => Promise<string[]>,
  ): Promise<number> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; trace_parent: string | null }>(
        `SELECT d.id, u.trace_parent FROM webhook_deliveries d
         LEFT JOIN uploads u ON u.id = d.upload_id
         WHERE d.queued_at IS NULL
         ORDER BY d.created_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED`,
        [limit],
      );
      const traceParents = new Map(
        rows.flatMap((row) => (row.trace_parent ? [[row.id, row.trace_parent] as const] : [])),
      );
      const sent =
        rows.length > 0
          ? await send(
              rows.map((row) => row.id),
              traceParents,
            )
          : [];
      if (sent.length > 0) {
        await client.query(
          `UPDATE webhook_deliveries SET queued_at = now() WHERE id = ANY($1::uuid[])`,
          [sent],
        );
      }
      await client.query('COMMIT');
      return sent.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Claims an undelivered delivery for one attempt of at most `seconds`, on
   * behalf of `holder` (the job's message id), which may claim it again.
   * @returns false when it is delivered, abandoned, or another holder has it.
   */
  async claim(deliveryId: string, holder: string, seconds: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE webhook_deliveries
       SET in_flight_until = now() + make_interval(secs => $3), in_flight_by = $2
       WHERE id = $1 AND delivered_at IS NULL AND abandoned_at IS NULL
         AND (in_flight_until IS NULL OR in_flight_until < now() OR in_flight_by = $2)`,
      [deliveryId, holder, seconds],
    );
    return (rowCount ?? 0) > 0;
  }

  async find(deliveryId: string): Promise<PendingWebhook | undefined> {
    const { rows } = await this.#pool.query(
      `SELECT d.id, d.customer_id, d.attempts, d.delivered_at, d.abandoned_at,
              e.to_state, e.reason, e.at,
              u.id AS upload_id, u.site_id, u.original_name, u.declared_content_type,
              u.declared_size, u.declared_sha256,
              w.url, w.secret
       FROM webhook_deliveries d
       JOIN upload_events e ON e.id = d.event_id
       JOIN uploads u ON u.id = d.upload_id
       LEFT JOIN webhook_endpoints w ON w.customer_id = d.customer_id
       WHERE d.id = $1`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      event: {
        deliveryId: row.id,
        uploadId: row.upload_id,
        siteId: row.site_id,
        state: row.to_state as WebhookState,
        reason: orUndefined(row.reason),
        occurredAt: row.at,
        fileName: row.original_name,
        contentType: row.declared_content_type,
        size: Number(row.declared_size),
        sha256: row.declared_sha256,
      },
      customerId: row.customer_id,
      attempts: row.attempts,
      deliveredAt: orUndefined(row.delivered_at),
      abandonedAt: orUndefined(row.abandoned_at),
      endpoint: row.url ? { url: row.url, secret: row.secret } : undefined,
    };
  }

  /** Records the attempt and ends its claim. */
  async recordAttempt(deliveryId: string, attempt: WebhookAttempt): Promise<void> {
    await this.#pool.query(
      `UPDATE webhook_deliveries SET
         attempts = attempts + 1, last_attempt_at = now(), last_status = $2, last_error = $3,
         delivered_at = CASE WHEN $4 THEN now() ELSE delivered_at END,
         in_flight_until = NULL, in_flight_by = NULL
       WHERE id = $1`,
      [
        deliveryId,
        attempt.status ?? null,
        attempt.error?.slice(0, 2000) ?? null,
        attempt.delivered,
      ],
    );
  }

  async abandon(deliveryId: string, reason: string): Promise<void> {
    await this.#pool.query(
      `UPDATE webhook_deliveries SET abandoned_at = now(), abandoned_reason = $2
       WHERE id = $1 AND abandoned_at IS NULL`,
      [deliveryId, reason.slice(0, 2000)],
    );
  }

  async forUpload(uploadId: string): Promise<WebhookDeliveryRecord[]> {
    const { rows } = await this.#pool.query<Row<WebhookDeliveryRecord>>(
      `SELECT d.id, 'upload.' || e.to_state AS type, d.created_at AS "createdAt",
              d.queued_at AS "queuedAt", d.attempts, d.last_attempt_at AS "lastAttemptAt",
              d.last_status AS "lastStatus", d.last_error AS "lastError",
              d.delivered_at AS "deliveredAt", d.abandoned_at AS "abandonedAt",
              d.abandoned_reason AS "abandonedReason"
       FROM webhook_deliveries d JOIN upload_events e ON e.id = d.event_id
       WHERE d.upload_id = $1 ORDER BY d.created_at`,
      [uploadId],
    );
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      createdAt: row.createdAt,
      attempts: row.attempts,
      queuedAt: orUndefined(row.queuedAt),
      lastAttemptAt: orUndefined(row.lastAttemptAt),
      lastStatus: orUndefined(row.lastStatus),
      lastError: orUndefined(row.lastError),
      deliveredAt: orUndefined(row.deliveredAt),
      abandonedAt: orUndefined(row.abandonedAt),
      abandonedReason: orUndefined(row.abandonedReason),
    }));
  }
}
