import type { Pool } from '@airlock/postgres';

export type ScanReuse = {
  /** Distinct contents (declared SHA-256) among the uploads. */
  readonly contents: number;
  /** Scans clamd made: no reused_from. */
  readonly scanned: number;
  /** Verdicts reused for bytes scanned before. */
  readonly reused: number;
};

/**
 * How often clamd was asked for these uploads' contents, from the scans
 * recorded in the database. Undefined where the database has no verdict
 * reuse yet (no upload_scans.reused_from column).
 */
export async function scanReuse(
  pool: Pool,
  uploadIds: readonly string[],
): Promise<ScanReuse | undefined> {
  const { rows: columns } = await pool.query(
    `SELECT 1 FROM information_schema.columns
     WHERE table_name = 'upload_scans' AND column_name = 'reused_from'`,
  );
  if (!columns.length) return undefined;
  const { rows } = await pool.query<ScanReuse>(
    `SELECT (SELECT count(DISTINCT declared_sha256) FROM uploads WHERE id = ANY($1::uuid[]))::int AS contents,
            count(*) FILTER (WHERE reused_from IS NULL)::int AS scanned,
            count(*) FILTER (WHERE reused_from IS NOT NULL)::int AS reused
     FROM upload_scans WHERE upload_id = ANY($1::uuid[])`,
    [uploadIds],
  );
  return rows[0];
}
