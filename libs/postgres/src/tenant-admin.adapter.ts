import { apiKeyMatches, issueApiKey, parseApiKey } from '@airlock/core';
import type { Pool } from './pool.ts';

export type Customer = { id: string; name: string; createdAt: Date };
export type SiteRow = {
  id: string;
  customerId: string;
  name: string;
  /** Browser origins whose pages may use this site's upload tokens (CORS). */
  allowedOrigins: string[];
  createdAt: Date;
};

const SITE_COLUMNS = `id, customer_id AS "customerId", name, allowed_origins AS "allowedOrigins",
  created_at AS "createdAt"`;
export type ApiKeyRow = { id: string; customerId: string; prefix: string; createdAt: Date };
export type Caller = { apiKeyId: string; customerId: string };

/** Customers, their sites and their API keys: what the ops CLI administers. */
export class PgTenantAdmin {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  async addCustomer(name: string): Promise<Customer> {
    const { rows } = await this.#pool.query<Customer>(
      'INSERT INTO customers (name) VALUES ($1) RETURNING id, name, created_at AS "createdAt"',
      [name],
    );
    return rows[0]!;
  }

  /** `allowedOrigins` must be serialised origins already (see `normalizeOrigin`). */
  async addSite(
    customerId: string,
    name: string,
    allowedOrigins: readonly string[] = [],
  ): Promise<SiteRow> {
    const { rows } = await this.#pool.query<SiteRow>(
      `INSERT INTO sites (customer_id, name, allowed_origins) VALUES ($1, $2, $3)
       RETURNING ${SITE_COLUMNS}`,
      [customerId, name, [...new Set(allowedOrigins)]],
    );
    return rows[0]!;
  }

  /** Replaces a site's allowed browser origins; `undefined` when there is no such site. */
  async setSiteOrigins(
    siteId: string,
    allowedOrigins: readonly string[],
  ): Promise<SiteRow | undefined> {
    const { rows } = await this.#pool.query<SiteRow>(
      `UPDATE sites SET allowed_origins = $2 WHERE id = $1 RETURNING ${SITE_COLUMNS}`,
      [siteId, [...new Set(allowedOrigins)]],
    );
    return rows[0];
  }

  async listSites(customerId: string): Promise<SiteRow[]> {
    const { rows } = await this.#pool.query<SiteRow>(
      `SELECT ${SITE_COLUMNS} FROM sites WHERE customer_id = $1 ORDER BY created_at, id`,
      [customerId],
    );
    return rows;
  }

  /** Returns the only copy of the plain key there will ever be. */
  async issueKey(customerId: string, label?: string): Promise<ApiKeyRow & { key: string }> {
    const issued = issueApiKey();
    const { rows } = await this.#pool.query<ApiKeyRow>(
      `INSERT INTO api_keys (customer_id, prefix, key_hash, label) VALUES ($1, $2, $3, $4)
       RETURNING id, customer_id AS "customerId", prefix, created_at AS "createdAt"`,
      [customerId, issued.prefix, issued.hash, label ?? null],
    );
    return { ...rows[0]!, key: issued.key };
  }

  /** Revokes by key id or by prefix; false when no live key matched. */
  async revokeKey(idOrPrefix: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE api_keys SET revoked_at = now()
       WHERE revoked_at IS NULL AND (prefix = $1 OR id::text = $1)`,
      [idOrPrefix],
    );
    return (rowCount ?? 0) > 0;
  }

  async authenticate(key: string): Promise<Caller | undefined> {
    const parsed = parseApiKey(key);
    if (!parsed) return undefined;
    const { rows } = await this.#pool.query<{ id: string; customerId: string; keyHash: Buffer }>({
      name: 'api-key-by-prefix',
      text: `SELECT id, customer_id AS "customerId", key_hash AS "keyHash"
       FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`,
      values: [parsed.prefix],
    });
    const row = rows[0];
    if (!row || !apiKeyMatches(key, row.keyHash)) return undefined;
    return { apiKeyId: row.id, customerId: row.customerId };
  }
}
