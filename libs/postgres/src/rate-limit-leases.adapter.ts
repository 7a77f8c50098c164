import type { Pool } from './pool.ts';

/** What one lease got: `granted` now, `leased` by every process so far in the window. */
export type RateLimitLease = { readonly granted: number; readonly leased: number };

/**
 * The per-key rate-limit budget shared by every API process: a window's
 * budget handed out in slices (the rate_limit_leases migration). One
 * statement per lease; the row lock of the upsert serialises processes
 * leasing the same key, so the window's total never passes the limit.
 */
export class PgRateLimitLeases {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  /** Grants min(ask, what is left of `limit` in the window); 0 once it is spent. */
  async lease(key: string, windowStart: Date, ask: number, limit: number): Promise<RateLimitLease> {
    const { rows } = await this.#pool.query<RateLimitLease>(
      `INSERT INTO rate_limit_leases AS l (key, window_start, leased, last_grant)
       VALUES ($1, $2, LEAST($3::int, $4::int), LEAST($3::int, $4::int))
       ON CONFLICT (key, window_start) DO UPDATE
         SET leased = l.leased + LEAST($3::int, $4::int - l.leased),
             last_grant = LEAST($3::int, $4::int - l.leased)
         WHERE l.leased < $4::int
       RETURNING last_grant AS granted, leased`,
      [key, windowStart, ask, limit],
    );
    return rows[0] ?? { granted: 0, leased: limit };
  }

  /** Deletes the windows that started before `before`; how many rows went. */
  async deleteWindowsBefore(before: Date): Promise<number> {
    const { rowCount } = await this.#pool.query(
      'DELETE FROM rate_limit_leases WHERE window_start < $1',
      [before],
    );
    return rowCount ?? 0;
  }
}
