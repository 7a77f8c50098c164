import { allowedSources, LIVE_STATES } from '@airlock/core';
import type { Pool } from './pool.ts';
import { uploadMoveQuery } from './upload-move.ts';

/** A pending upload whose URL expired: what a sweep moves to `expired`. */
export type ExpiredUpload = {
  readonly id: string;
  readonly customerId: string;
  readonly bucket: string;
  readonly key: string;
  readonly expiresAt: Date;
  /** S3's UploadId when the upload was sent in parts: the sweep aborts it. */
  readonly multipartUploadId: string | null;
};

export type ExpiredUploadsQuery = {
  /** Seconds past `expires_at` before an upload counts: a PUT begun in time may still be landing. */
  readonly graceSeconds: number;
  readonly customerId?: string | undefined;
};

const COLUMNS = `id, customer_id AS "customerId", bucket, key, expires_at AS "expiresAt",
  multipart_upload_id AS "multipartUploadId"`;

/** Past its expiry by more than the grace (in seconds) held by that parameter. */
function pastExpiry(graceParam: string): string {
  return `expires_at < now() - make_interval(secs => ${graceParam})`;
}

/** What a sweep lists: uploads in a state the state machine lets expire ($3), past expiry and grace ($1), of one customer or all ($2). */
const EXPIRED = `state = ANY($3::upload_state[]) AND ${pastExpiry('$1')}
  AND ($2::uuid IS NULL OR customer_id = $2)`;

const expiredParams = (query: ExpiredUploadsQuery) => [
  query.graceSeconds,
  query.customerId ?? null,
  allowedSources('expired'),
];

/**
 * Pending uploads past their expiry (uses the `uploads_pending_expiry` index).
 * Every move is a compare-and-set, so two sweeps at once never both expire
 * (or clean up after) the same upload.
 */
export class PgExpiredUploads {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  /** Expired pending uploads, oldest expiry first, a page at a time. */
  async *pages(query: ExpiredUploadsQuery, pageSize = 500): AsyncGenerator<ExpiredUpload[]> {
    // The cursor is the last row's id: its timestamp has microseconds a JS Date would drop.
    let afterId: string | null = null;
    for (;;) {
      const { rows }: { rows: ExpiredUpload[] } = await this.#pool.query<ExpiredUpload>(
        `SELECT ${COLUMNS} FROM uploads
         WHERE ${EXPIRED}
           AND ($4::uuid IS NULL OR (expires_at, id) > (SELECT expires_at, id FROM uploads WHERE id = $4))
         ORDER BY expires_at, id LIMIT $5`,
        [...expiredParams(query), afterId, pageSize],
      );
      if (rows.length === 0) return;
      yield rows;
      afterId = rows.at(-1)!.id;
    }
  }

  async count(query: ExpiredUploadsQuery): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM uploads WHERE ${EXPIRED}`,
      expiredParams(query),
    );
    return rows[0]!.n;
  }

  /**
   * The move to `expired` of an upload still past its expiry, with its audit
   * event, by the statement every move runs. `undefined` when the upload moved
   * on (its bytes arrived), had its expiry extended, or another sweep got
   * there first.
   */
  async expire(
    uploadId: string,
    query: { graceSeconds: number; actor: string },
  ): Promise<ExpiredUpload | undefined> {
    const { rows } = await this.#pool.query<ExpiredUpload>(
      uploadMoveQuery(
        { uploadId, to: 'expired', reason: 'expired', actor: query.actor },
        { returning: COLUMNS, guard: pastExpiry('$7'), params: [query.graceSeconds] },
      ),
    );
    return rows[0];
  }

  /**
   * Which of these S3 multipart UploadIds a pending upload owns: the others
   * (a sweep that expired the upload but failed to abort, a crash between
   * S3's CreateMultipartUpload and the INSERT) are abandoned.
   */
  async pendingMultipartOwners(bucket: string, uploadIds: readonly string[]): Promise<Set<string>> {
    if (uploadIds.length === 0) return new Set();
    const { rows } = await this.#pool.query<{ id: string }>(
      `SELECT multipart_upload_id AS id FROM uploads
       WHERE bucket = $1 AND state = 'pending' AND multipart_upload_id = ANY($2::text[])`,
      [bucket, uploadIds],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Whether another upload that still needs the object uses this bucket/key. */
  async objectInUse(bucket: string, key: string, exceptUploadId: string): Promise<boolean> {
    const { rows } = await this.#pool.query<{ used: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM uploads
         WHERE bucket = $1 AND key = $2 AND id <> $3 AND state = ANY($4::upload_state[])
       ) AS used`,
      [bucket, key, exceptUploadId, LIVE_STATES],
    );
    return rows[0]!.used;
  }
}
