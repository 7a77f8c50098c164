import type { Pool } from './pool.ts';

export type WebhookEndpoint = {
  readonly customerId: string;
  readonly url: string;
  readonly secret: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

const COLUMNS = `customer_id AS "customerId", url, secret, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Each customer's one webhook endpoint. */
export class PgWebhookEndpoints {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  /**
   * Sets the URL. A new endpoint takes `newSecret`; an existing one keeps its
   * secret unless `rotate` is set, so changing the URL breaks no receiver.
   */
  async put(
    customerId: string,
    url: string,
    newSecret: string,
    rotate: boolean,
  ): Promise<WebhookEndpoint> {
    const { rows } = await this.#pool.query<WebhookEndpoint>(
      `INSERT INTO webhook_endpoints (customer_id, url, secret) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id) DO UPDATE SET
         url = EXCLUDED.url,
         secret = CASE WHEN $4 THEN EXCLUDED.secret ELSE webhook_endpoints.secret END,
         updated_at = now()
       RETURNING ${COLUMNS}`,
      [customerId, url, newSecret, rotate],
    );
    return rows[0]!;
  }

  async find(customerId: string): Promise<WebhookEndpoint | undefined> {
    const { rows } = await this.#pool.query<WebhookEndpoint>(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE customer_id = $1`,
      [customerId],
    );
    return rows[0];
  }

  /** @returns whether there was one. Deliveries already in the outbox are abandoned when they come up. */
  async remove(customerId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `DELETE FROM webhook_endpoints WHERE customer_id = $1`,
      [customerId],
    );
    return (rowCount ?? 0) > 0;
  }
}
