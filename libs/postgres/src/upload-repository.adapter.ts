import {
  AWAITING_CONFIRMATION_STATES,
  DEAD_STATES,
  SERVABLE_STATES,
  type MultipartRecord,
  type NewUpload,
  type PipelineMetrics,
  type TransitionRequest,
  type Upload,
  type UploadProgress,
  type UploadRepository,
  type UploadTransition,
} from '@airlock/core';
import { traceParentOf } from '@airlock/tracing';
import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Pool } from './pool.ts';
import { StatementBatcher } from './statement-batcher.ts';
import { countMove, uploadMoveQuery } from './upload-move.ts';

/** Every column of an upload, named as `Upload` names them; shared by the adapters that return one. */
export const UPLOAD_COLUMNS = `
  id, customer_id AS "customerId", site_id AS "siteId", dedup_scope AS "dedupScope",
  original_name AS "originalName", declared_content_type AS "declaredContentType",
  declared_size AS "declaredSize", declared_sha256 AS "declaredSha256",
  detected_content_type AS "detectedContentType", category, bucket, key, state, reason,
  created_at AS "createdAt", updated_at AS "updatedAt", expires_at AS "expiresAt",
  verified_etag AS "verifiedEtag", scan_requested_at AS "scanRequestedAt",
  media_requested_at AS "mediaRequestedAt", version_id AS "versionId",
  api_key_id AS "apiKeyId", multipart_upload_id AS "multipartUploadId",
  part_size AS "partSize", part_count AS "partCount",
  multipart_completed_at AS "multipartCompletedAt", upload_token_id AS "uploadTokenId",
  trace_parent AS "traceParent"`;

/**
 * Not dead: core's DEAD_STATES written as a constant, the way the partial
 * unique index `uploads_live_content` is, so the planner proves that index
 * usable in a prepared statement's generic plan (with the set as a parameter
 * it cannot, and would plan every execution anew or scan the table).
 */
const IS_LIVE = `state <> ALL ('{${DEAD_STATES.join(',')}}'::upload_state[])`;

/** The columns a new upload is inserted with, as $1…$17 of {@link newUploadValues}. */
const NEW_UPLOAD_COLUMNS = `customer_id, site_id, dedup_scope, original_name,
  declared_content_type, declared_size, declared_sha256, category, bucket, key, expires_at,
  api_key_id, multipart_upload_id, part_size, part_count, upload_token_id, trace_parent`;
const NEW_UPLOAD_PARAMS = Array.from({ length: 17 }, (_, i) => `$${i + 1}`).join(', ');
/** The first audit event of the upload the `inserted` CTE returned; the actor is $18. */
const AUDIT_INSERTED = `audit AS (
  INSERT INTO upload_events (upload_id, from_state, to_state, actor)
  SELECT id, NULL, 'pending', $18 FROM inserted
)`;

/**
 * The upload's values and the `traceparent` of the span its caller is in
 * (captured here, before a {@link StatementBatcher} runs the insert in
 * another caller's context).
 */
function newUploadValues(upload: NewUpload, actor: string, traceParent: string | null): unknown[] {
  return [
    upload.customerId,
    upload.siteId,
    upload.dedupScope,
    upload.originalName,
    upload.declaredContentType,
    upload.declaredSize,
    upload.declaredSha256,
    upload.category,
    upload.bucket,
    upload.key,
    upload.expiresAt,
    upload.apiKeyId ?? null,
    upload.multipartUploadId ?? null,
    upload.partSize ?? null,
    upload.partCount ?? null,
    upload.uploadTokenId ?? null,
    traceParent,
    actor,
  ];
}

/** The answer of {@link PgUploadRepository.insertPendingUnlessLive}. */
type InsertUnlessLive = { upload: Upload; created: boolean } | undefined;
type InsertCall = { upload: NewUpload; actor: string; traceParent: string | null };

/** The most rows one batched insert carries (more waiting go as several statements at once). */
const MAX_INSERT_BATCH = 16;

/**
 * {@link PgUploadRepository.insertPendingUnlessLive} for several rows: each
 * row's dedup lookup, the inserts of those with no live twin (the unique index
 * `uploads_live_content` arbitrating twins within the batch and concurrent
 * inserts: DO NOTHING) and their audit events. Rows go in content order, so
 * two batches never wait on each other in a cycle. The ids are made here to
 * tell each row's outcome apart.
 */
const INSERT_UNLESS_LIVE_BATCH = `WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
    $7::bigint[], $8::bpchar[], $9::text[], $10::text[], $11::text[], $12::timestamptz[],
    $13::uuid[], $14::text[], $15::bigint[], $16::integer[], $17::uuid[], $18::text[],
    $19::text[])
    WITH ORDINALITY AS t(id, ${NEW_UPLOAD_COLUMNS}, actor, ord)
), live AS (
  SELECT i.id AS "forId", l.* FROM input i CROSS JOIN LATERAL (
    SELECT ${UPLOAD_COLUMNS} FROM uploads
    WHERE dedup_scope = i.dedup_scope AND declared_sha256 = i.declared_sha256 AND ${IS_LIVE}
  ) l
), inserted AS (
  INSERT INTO uploads (id, ${NEW_UPLOAD_COLUMNS})
  SELECT id, ${NEW_UPLOAD_COLUMNS} FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM live WHERE live."forId" = i.id)
  ORDER BY dedup_scope, declared_sha256, ord
  ON CONFLICT (dedup_scope, declared_sha256) WHERE ${IS_LIVE} DO NOTHING
  RETURNING ${UPLOAD_COLUMNS}
), audit AS (
  INSERT INTO upload_events (upload_id, from_state, to_state, actor)
  SELECT inserted.id, NULL, 'pending', input.actor FROM inserted JOIN input USING (id)
)
SELECT true AS created, id AS "forId", * FROM inserted
UNION ALL SELECT false AS created, * FROM live`;

/** The batch statement's parameters: one array per column of {@link INSERT_UNLESS_LIVE_BATCH}'s input. */
function batchValues(ids: string[], calls: InsertCall[]): unknown[][] {
  const rows = calls.map(({ upload, actor, traceParent }, i) => [
    ids[i],
    ...newUploadValues(upload, actor, traceParent),
  ]);
  return rows[0]!.map((_, column) => rows.map((row) => row[column]));
}

export type { TransitionRequest };

export class PgUploadRepository implements UploadRepository, UploadProgress {
  readonly #pool: Pool;
  readonly #metrics: Pick<PipelineMetrics, 'moved'> | undefined;
  readonly #inserts: StatementBatcher<InsertCall, InsertUnlessLive>;

  /** `metrics` counts every move this adapter makes. */
  constructor(deps: { pool: Pool; metrics?: Pick<PipelineMetrics, 'moved'> }) {
    this.#pool = deps.pool;
    this.#metrics = deps.metrics;
    this.#inserts = new StatementBatcher({
      one: (call) => this.#insertOneUnlessLive(call),
      many: (calls) => this.#insertManyUnlessLive(calls),
      maxBatch: MAX_INSERT_BATCH,
    });
  }

  async findLiveByHash(dedupScope: string, sha256: string): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>({
      name: 'upload-find-live',
      text: `SELECT ${UPLOAD_COLUMNS} FROM uploads
       WHERE dedup_scope = $1 AND declared_sha256 = $2 AND ${IS_LIVE}`,
      values: [dedupScope, sha256],
    });
    return rows[0];
  }

  async insertPending(upload: NewUpload, actor: string): Promise<Upload | undefined> {
    try {
      const { rows } = await this.#pool.query<Upload>({
        name: 'upload-insert-pending',
        text: `WITH inserted AS (
           INSERT INTO uploads (${NEW_UPLOAD_COLUMNS}) VALUES (${NEW_UPLOAD_PARAMS})
           RETURNING ${UPLOAD_COLUMNS}
         ), ${AUDIT_INSERTED}
         SELECT * FROM inserted`,
        values: newUploadValues(upload, actor, traceParentOf() ?? null),
      });
      return rows[0];
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  /**
   * The dedup lookup, the insert and its audit event in one statement: the
   * live upload of the same content if there is one, else the new one.
   * `undefined` when a concurrent insert of the same content won the race
   * (the unique index `uploads_live_content` refused ours: look again).
   * Calls made while others are in flight go together as one statement
   * ({@link StatementBatcher}); each caller gets its own row's answer.
   */
  insertPendingUnlessLive(upload: NewUpload, actor: string): Promise<InsertUnlessLive> {
    return this.#inserts.run({ upload, actor, traceParent: traceParentOf() ?? null });
  }

  async #insertOneUnlessLive({
    upload,
    actor,
    traceParent,
  }: InsertCall): Promise<InsertUnlessLive> {
    try {
      const { rows } = await this.#pool.query<Upload & { created: boolean }>({
        name: 'upload-insert-unless-live',
        text: `WITH live AS (
           SELECT ${UPLOAD_COLUMNS} FROM uploads
           WHERE dedup_scope = $3 AND declared_sha256 = $7 AND ${IS_LIVE}
         ), inserted AS (
           INSERT INTO uploads (${NEW_UPLOAD_COLUMNS}) SELECT ${NEW_UPLOAD_PARAMS}
           WHERE NOT EXISTS (SELECT 1 FROM live)
           RETURNING ${UPLOAD_COLUMNS}
         ), ${AUDIT_INSERTED}
         SELECT true AS created, * FROM inserted
         UNION ALL SELECT false AS created, * FROM live`,
        values: newUploadValues(upload, actor, traceParent),
      });
      const row = rows[0];
      if (!row) return undefined;
      const { created, ...found } = row;
      return { upload: found, created };
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  async #insertManyUnlessLive(calls: InsertCall[]): Promise<InsertUnlessLive[]> {
    const ids = calls.map(() => randomUUID());
    const { rows } = await this.#pool.query<Upload & { created: boolean; forId: string }>({
      name: 'upload-insert-unless-live-batch',
      text: INSERT_UNLESS_LIVE_BATCH,
      values: batchValues(ids, calls),
    });
    const answers = new Map(
      rows.map(({ created, forId, ...upload }) => [forId, { upload, created }]),
    );
    return calls.map(({ upload }, i) => {
      const own = answers.get(ids[i]!);
      if (own) return own;
      // A twin in the same batch went in first: that is the live content now.
      const twin = [...answers.values()].find(
        (answer) =>
          answer.created &&
          answer.upload.dedupScope === upload.dedupScope &&
          answer.upload.declaredSha256 === upload.declaredSha256,
      );
      // Else a concurrent insert elsewhere won: look again.
      return twin && { upload: twin.upload, created: false };
    });
  }

  /**
   * The upload an object at this key belongs to: the live one waiting for
   * bytes if there is one, else the latest (content keys repeat when the same
   * bytes are uploaded again after a rejection).
   */
  async findByObject(bucket: string, key: string): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE bucket = $1 AND key = $2
       ORDER BY (state = ANY($3::upload_state[])) DESC, created_at DESC LIMIT 1`,
      [bucket, key, AWAITING_CONFIRMATION_STATES],
    );
    return rows[0];
  }

  /**
   * True when the API key that issued the upload's URL has been revoked, or
   * the upload token that created it (false for uploads with no recorded issuer).
   */
  async issuerRevoked(uploadId: string): Promise<boolean> {
    const { rows } = await this.#pool.query<{ revoked: boolean }>(
      `SELECT k.revoked_at IS NOT NULL OR t.revoked_at IS NOT NULL AS revoked
       FROM uploads u LEFT JOIN api_keys k ON k.id = u.api_key_id
         LEFT JOIN upload_tokens t ON t.id = u.upload_token_id
       WHERE u.id = $1`,
      [uploadId],
    );
    return rows[0]?.revoked ?? false;
  }

  /** Records that the scan job was sent; false when it already had been. */
  async markScanRequested(uploadId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'UPDATE uploads SET scan_requested_at = now() WHERE id = $1 AND scan_requested_at IS NULL',
      [uploadId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Records that the media job was sent; false when it already had been. */
  async markMediaRequested(uploadId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'UPDATE uploads SET media_requested_at = now() WHERE id = $1 AND media_requested_at IS NULL',
      [uploadId],
    );
    return (rowCount ?? 0) > 0;
  }

  async find(uploadId: string): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = $1`,
      [uploadId],
    );
    return rows[0];
  }

  /** Clean content created since `since` (optionally one customer's), oldest first: what a rescan covers. */
  async *cleanSince(since: Date, customerId?: string, pageSize = 500): AsyncGenerator<Upload[]> {
    // The cursor is the last row's id: its timestamp has microseconds a JS Date would drop.
    let afterId: string | null = null;
    for (;;) {
      const { rows }: { rows: Upload[] } = await this.#pool.query<Upload>(
        `SELECT ${UPLOAD_COLUMNS} FROM uploads
         WHERE state = ANY($5::upload_state[]) AND created_at >= $1 AND ($2::uuid IS NULL OR customer_id = $2)
           AND ($3::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM uploads WHERE id = $3))
         ORDER BY created_at, id LIMIT $4`,
        [since, customerId ?? null, afterId, pageSize, SERVABLE_STATES],
      );
      if (rows.length === 0) return;
      yield rows;
      afterId = rows.at(-1)!.id;
    }
  }

  async countCleanSince(since: Date, customerId?: string): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM uploads
       WHERE state = ANY($3::upload_state[]) AND created_at >= $1 AND ($2::uuid IS NULL OR customer_id = $2)`,
      [since, customerId ?? null, SERVABLE_STATES],
    );
    return rows[0]!.n;
  }

  async extendPending(
    uploadId: string,
    expiresAt: Date,
    apiKeyId?: string,
  ): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      `UPDATE uploads SET expires_at = GREATEST(expires_at, $2), updated_at = now(),
         api_key_id = COALESCE($3, api_key_id)
       WHERE id = $1 AND state = 'pending' RETURNING ${UPLOAD_COLUMNS}`,
      [uploadId, expiresAt, apiKeyId ?? null],
    );
    return rows[0];
  }

  /**
   * Makes a pending single-request upload a multipart one: only while it is
   * pending and has none yet (compare-and-set).
   */
  async attachMultipart(
    uploadId: string,
    multipart: MultipartRecord,
    expiresAt: Date,
    apiKeyId?: string,
  ): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      `UPDATE uploads SET multipart_upload_id = $2, part_size = $3, part_count = $4,
         expires_at = GREATEST(expires_at, $5), updated_at = now(),
         api_key_id = COALESCE($6, api_key_id)
       WHERE id = $1 AND state = 'pending' AND multipart_upload_id IS NULL
       RETURNING ${UPLOAD_COLUMNS}`,
      [
        uploadId,
        multipart.multipartUploadId,
        multipart.partSize,
        multipart.partCount,
        expiresAt,
        apiKeyId ?? null,
      ],
    );
    return rows[0];
  }

  /**
   * Records the completion whatever the state: the object's event may already
   * have moved the upload on by the time the API gets here.
   */
  async markMultipartCompleted(uploadId: string, apiKeyId?: string): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      `UPDATE uploads SET multipart_completed_at = now(), updated_at = now(),
         api_key_id = COALESCE($2, api_key_id)
       WHERE id = $1 AND multipart_upload_id IS NOT NULL AND multipart_completed_at IS NULL
       RETURNING ${UPLOAD_COLUMNS}`,
      [uploadId, apiKeyId ?? null],
    );
    return rows[0];
  }

  /**
   * The move to `expired`, reason `cancelled`, of an upload whose parts were
   * not completed, with its audit event (whose trigger queues the webhook).
   */
  async cancelPending(uploadId: string, actor: string): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      uploadMoveQuery(
        { uploadId, to: 'expired', reason: 'cancelled', actor },
        { returning: UPLOAD_COLUMNS, guard: 'multipart_completed_at IS NULL' },
      ),
    );
    countMove(this.#metrics, rows[0], 'expired');
    return rows[0];
  }

  async findWithHistory(
    uploadId: string,
  ): Promise<{ upload: Upload; history: UploadTransition[] } | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = $1`,
      [uploadId],
    );
    const upload = rows[0];
    if (!upload) return undefined;
    const history = await this.#pool.query<UploadTransition>(
      `SELECT from_state AS "fromState", to_state AS "toState", reason, actor, at
       FROM upload_events WHERE upload_id = $1 ORDER BY id`,
      [uploadId],
    );
    return { upload, history: history.rows };
  }

  /**
   * Compare-and-set: moves the upload only from a state the state machine
   * allows, and appends the audit event in the same statement. Returns the
   * moved upload, or `undefined` when it was elsewhere (a replay: do nothing).
   */
  async transition(request: TransitionRequest): Promise<Upload | undefined> {
    const { rows } = await this.#pool.query<Upload>(
      uploadMoveQuery(request, {
        returning: UPLOAD_COLUMNS,
        set: `detected_content_type = COALESCE($7, detected_content_type),
           verified_etag = COALESCE($8, verified_etag),
           version_id = COALESCE($9, version_id)`,
        params: [
          request.detectedContentType ?? null,
          request.verifiedEtag ?? null,
          request.versionId ?? null,
        ],
      }),
    );
    countMove(this.#metrics, rows[0], request.to);
    return rows[0];
  }
}
