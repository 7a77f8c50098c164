import type { ObjectIncident, ObjectIncidents } from '@airlock/core';
import type { Pool } from './pool.ts';

export type { ObjectIncident };

export class PgObjectIncidents implements ObjectIncidents {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  async record(incident: ObjectIncident): Promise<void> {
    await this.#pool.query(
      `INSERT INTO object_incidents (bucket, key, etag, size, upload_id, reason, quarantine_bucket, quarantine_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        incident.bucket,
        incident.key,
        incident.eTag ?? null,
        incident.size ?? null,
        incident.uploadId ?? null,
        incident.reason,
        incident.quarantine?.bucket ?? null,
        incident.quarantine?.key ?? null,
      ],
    );
  }

  async forKey(bucket: string, key: string): Promise<Array<ObjectIncident & { at: Date }>> {
    const { rows } = await this.#pool.query(
      `SELECT bucket, key, etag, size, upload_id, reason, quarantine_bucket, quarantine_key, at
       FROM object_incidents WHERE bucket = $1 AND key = $2 ORDER BY id`,
      [bucket, key],
    );
    return rows.map((row) => ({
      bucket: row.bucket,
      key: row.key,
      eTag: row.etag ?? undefined,
      size: row.size ?? undefined,
      uploadId: row.upload_id ?? undefined,
      reason: row.reason,
      quarantine: row.quarantine_bucket
        ? { bucket: row.quarantine_bucket, key: row.quarantine_key }
        : undefined,
      at: row.at,
    }));
  }
}
