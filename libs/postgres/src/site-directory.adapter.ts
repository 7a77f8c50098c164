import type { Site, SiteDirectory } from '@airlock/core';
import type { Pool } from './pool.ts';

export class PgSiteDirectory implements SiteDirectory {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  async findSite(siteId: string): Promise<Site | undefined> {
    const { rows } = await this.#pool.query<Site>({
      name: 'site-by-id',
      text: 'SELECT id, customer_id AS "customerId", name FROM sites WHERE id = $1',
      values: [siteId],
    });
    return rows[0];
  }
}
