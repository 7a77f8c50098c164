import {
  type PipelineMetrics,
  type PriorVerdict,
  type Upload,
  type UploadScan,
  type UploadScans,
  type VerdictKey,
  type VerdictMove,
} from '@airlock/core';
import type { Pool } from './pool.ts';
import { countMove, uploadMoveQuery } from './upload-move.ts';
import { UPLOAD_COLUMNS } from './upload-repository.adapter.ts';

export type { UploadScan, VerdictMove };

const SCAN_COLUMNS = 'upload_id, trigger, result, signature, engine, signatures, reused_from';

/** A scan's values for SCAN_COLUMNS after `upload_id`. */
const scanValues = (scan: UploadScan) => [
  scan.trigger,
  scan.result,
  scan.signature ?? null,
  scan.engine,
  scan.signatures,
  scan.reusedFrom ?? null,
];

export class PgUploadScans implements UploadScans {
  readonly #pool: Pool;
  readonly #metrics: Pick<PipelineMetrics, 'moved'> | undefined;

  /** `metrics` counts every move a verdict makes. */
  constructor(deps: { pool: Pool; metrics?: Pick<PipelineMetrics, 'moved'> }) {
    this.#pool = deps.pool;
    this.#metrics = deps.metrics;
  }

  async record(scan: UploadScan): Promise<void> {
    await this.#pool.query(
      `INSERT INTO upload_scans (${SCAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [scan.uploadId, ...scanValues(scan)],
    );
  }

  /**
   * A verdict and the move it decides, in one statement: the scan row, the
   * compare-and-set of the upload's state and its audit event commit together
   * or not at all, so no crash can leave a hit on record with the upload still
   * `verified` (servable as a duplicate). The scan is recorded even when the
   * upload had already moved (a replay: it did scan the bytes). Returns the
   * moved upload, or `undefined` when there was no move or it was elsewhere.
   */
  async recordVerdict(scan: UploadScan, move?: VerdictMove): Promise<Upload | undefined> {
    if (!move) {
      await this.record(scan);
      return undefined;
    }
    const { rows } = await this.#pool.query<Upload>(
      uploadMoveQuery(
        { uploadId: scan.uploadId, ...move },
        {
          returning: UPLOAD_COLUMNS,
          alongside: `scan AS (
            INSERT INTO upload_scans (${SCAN_COLUMNS}) VALUES ($1, $7, $8, $9, $10, $11, $12)
          )`,
          params: scanValues(scan),
        },
      ),
    );
    countMove(this.#metrics, rows[0], move.to);
    return rows[0];
  }

  async latestVerdict(key: VerdictKey): Promise<PriorVerdict | undefined> {
    // Asked for every new upload the scanner meets: prepared once per connection.
    const { rows } = await this.#pool.query<PriorVerdict>({
      name: 'upload-scans-latest-verdict',
      text: `SELECT COALESCE(s.reused_from, s.id)::text AS "scanId", s.result
       FROM uploads u JOIN upload_scans s ON s.upload_id = u.id
       WHERE u.customer_id = $1 AND u.declared_sha256 = $2 AND s.engine = $3 AND s.signatures = $4
       ORDER BY s.id DESC LIMIT 1`,
      values: [key.customerId, key.sha256, key.engine, key.signatures],
    });
    return rows[0];
  }

  async forUpload(uploadId: string): Promise<Array<UploadScan & { scannedAt: Date }>> {
    const { rows } = await this.#pool.query(
      `SELECT upload_id AS "uploadId", trigger, result, signature, engine, signatures,
         reused_from::text AS "reusedFrom", scanned_at AS "scannedAt"
       FROM upload_scans WHERE upload_id = $1 ORDER BY id`,
      [uploadId],
    );
    return rows.map((row) => ({
      ...row,
      signature: row.signature ?? undefined,
      reusedFrom: row.reusedFrom ?? undefined,
    }));
  }
}
