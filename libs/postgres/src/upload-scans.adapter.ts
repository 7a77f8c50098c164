import type { ScanResult } from '@airlock/core';
import type { Pool } from './pool.ts';

export type UploadScan = {
  readonly uploadId: string;
  readonly trigger: 'upload' | 'rescan';
  readonly result: ScanResult;
  readonly signature: string | undefined;
  readonly engine: string;
  readonly signatures: string;
};

export class PgUploadScans {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  async record(scan: UploadScan): Promise<void> {
    await this.#pool.query(
      `INSERT INTO upload_scans (upload_id, trigger, result, signature, engine, signatures)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        scan.uploadId,
        scan.trigger,
        scan.result,
        scan.signature ?? null,
        scan.engine,
        scan.signatures,
      ],
    );
  }

  async forUpload(uploadId: string): Promise<Array<UploadScan & { scannedAt: Date }>> {
    const { rows } = await this.#pool.query(
      `SELECT upload_id AS "uploadId", trigger, result, signature, engine, signatures, scanned_at AS "scannedAt"
       FROM upload_scans WHERE upload_id = $1 ORDER BY id`,
      [uploadId],
    );
    return rows.map((row) => ({ ...row, signature: row.signature ?? undefined }));
  }
}
