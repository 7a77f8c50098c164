import {
  issueUploadToken,
  parseUploadToken,
  uploadTokenMatches,
  type UploadTokenCounter,
  type UploadTokenGrant,
  type UploadTokenLimits,
} from '@airlock/core';
import type { Pool } from './pool.ts';

export type MintedUploadToken = UploadTokenLimits & {
  readonly id: string;
  readonly expiresAt: Date;
  /** The only copy of the plain token there will ever be. */
  readonly token: string;
  readonly createdAt: Date;
};

const GRANT_COLUMNS = `
  t.id, t.customer_id AS "customerId", t.site_id AS "siteId", t.api_key_id AS "apiKeyId",
  t.content_types AS "contentTypes", t.max_size::float8 AS "maxSize",
  t.max_uploads AS "maxUploads", t.expires_at AS "expiresAt", t.origin,
  s.allowed_origins AS "siteOrigins"`;

/** Browser upload tokens: minted with an API key, stored hashed, counted, revocable. */
export class PgUploadTokens implements UploadTokenCounter {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  /**
   * Stores a new token for one site of the key's customer; the expiry comes
   * from the database clock (`created_at + ttl`), so the table's one-hour CHECK
   * holds whatever the API's clock says. `undefined` when the site is not the
   * customer's.
   */
  async mint(
    customerId: string,
    apiKeyId: string,
    limits: UploadTokenLimits,
  ): Promise<MintedUploadToken | undefined> {
    const issued = issueUploadToken();
    const { rows } = await this.#pool.query<{ id: string; createdAt: Date; expiresAt: Date }>(
      `INSERT INTO upload_tokens (customer_id, site_id, api_key_id, prefix, token_hash,
         content_types, max_size, max_uploads, origin, created_at, expires_at)
       SELECT $1, s.id, $3, $4, $5, $6, $7, $8, $9, now(), now() + make_interval(secs => $10)
       FROM sites s WHERE s.id = $2 AND s.customer_id = $1
       RETURNING id, created_at AS "createdAt", expires_at AS "expiresAt"`,
      [
        customerId,
        limits.siteId,
        apiKeyId,
        issued.prefix,
        issued.hash,
        limits.contentTypes,
        limits.maxSize,
        limits.maxUploads,
        limits.origin,
        limits.ttlSeconds,
      ],
    );
    const row = rows[0];
    return row && { ...limits, ...row, token: issued.token };
  }

  /**
   * The grant of a live token: well formed, known, its hash matching, not
   * expired, not revoked, and its issuing API key not revoked either.
   */
  async authenticate(token: string): Promise<UploadTokenGrant | undefined> {
    const parsed = parseUploadToken(token);
    if (!parsed) return undefined;
    const { rows } = await this.#pool.query<UploadTokenGrant & { tokenHash: Buffer }>(
      `SELECT ${GRANT_COLUMNS}, t.token_hash AS "tokenHash"
       FROM upload_tokens t
         JOIN api_keys k ON k.id = t.api_key_id
         JOIN sites s ON s.id = t.site_id
       WHERE t.prefix = $1 AND t.revoked_at IS NULL AND t.expires_at > now()
         AND k.revoked_at IS NULL`,
      [parsed.prefix],
    );
    const row = rows[0];
    if (!row || !uploadTokenMatches(token, row.tokenHash)) return undefined;
    const { tokenHash: _hash, ...grant } = row;
    return grant;
  }

  /** Revokes one of the customer's tokens; false when it has none live by that id. */
  async revoke(customerId: string, tokenId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE upload_tokens SET revoked_at = now()
       WHERE id = $1 AND customer_id = $2 AND revoked_at IS NULL`,
      [tokenId, customerId],
    );
    return (rowCount ?? 0) > 0;
  }

  async claimUpload(tokenId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE upload_tokens SET uploads_created = uploads_created + 1
       WHERE id = $1 AND uploads_created < max_uploads
         AND revoked_at IS NULL AND expires_at > now()`,
      [tokenId],
    );
    return (rowCount ?? 0) > 0;
  }

  async releaseUpload(tokenId: string): Promise<void> {
    await this.#pool.query(
      `UPDATE upload_tokens SET uploads_created = uploads_created - 1
       WHERE id = $1 AND uploads_created > 0`,
      [tokenId],
    );
  }

  /** Every browser origin some site allows: what a CORS preflight may be granted to. */
  async allAllowedOrigins(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ origin: string }>(
      'SELECT DISTINCT unnest(allowed_origins) AS origin FROM sites',
    );
    return rows.map((row) => row.origin);
  }
}
