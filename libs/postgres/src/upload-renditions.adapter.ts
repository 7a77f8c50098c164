import type { Rendition, UploadRenditions } from '@airlock/core';
import type { Pool } from './pool.ts';

export type { Rendition };

export class PgUploadRenditions implements UploadRenditions {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  /** Idempotent: a replayed job overwrites what the first one wrote. */
  async save(uploadId: string, renditions: readonly Rendition[]): Promise<void> {
    for (const r of renditions) {
      await this.#pool.query(
        `INSERT INTO upload_renditions (upload_id, name, format, width, height, size, bucket, key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (upload_id, name) DO UPDATE SET format = EXCLUDED.format, width = EXCLUDED.width,
           height = EXCLUDED.height, size = EXCLUDED.size, bucket = EXCLUDED.bucket, key = EXCLUDED.key`,
        [uploadId, r.name, r.format, r.width, r.height, r.size, r.bucket, r.key],
      );
    }
  }

  async forUpload(uploadId: string): Promise<Rendition[]> {
    const { rows } = await this.#pool.query<Rendition>(
      `SELECT name, format, width, height, size, bucket, key FROM upload_renditions
       WHERE upload_id = $1 ORDER BY name`,
      [uploadId],
    );
    return rows;
  }

  async remove(uploadId: string): Promise<void> {
    await this.#pool.query('DELETE FROM upload_renditions WHERE upload_id = $1', [uploadId]);
  }
}
