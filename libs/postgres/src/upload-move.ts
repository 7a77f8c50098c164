import { allowedSources, type PipelineMetrics, type UploadState } from '@airlock/core';

/** One move of an upload's state, by one actor, for one reason. */
export type UploadMove = {
  readonly uploadId: string;
  readonly to: UploadState;
  readonly reason?: string | null | undefined;
  readonly actor: string;
  readonly detail?: Record<string, unknown> | undefined;
};

/** What a caller adds to a move, in SQL whose own parameters start at `$7`. */
export type MoveClauses = {
  /** The moved upload's columns the statement returns (it must include `id`). */
  readonly returning: string;
  /** More columns the move sets, e.g. `version_id = COALESCE($7, version_id)`. */
  readonly set?: string;
  /** A further condition the upload must meet to move. */
  readonly guard?: string;
  /** Statements (as CTEs) that commit with the move or not at all. */
  readonly alongside?: string;
  readonly params?: readonly unknown[];
};

/**
 * The one statement every move of an upload runs: a compare-and-set from a
 * state core's state machine allows (so a replayed or out-of-order move finds
 * the upload elsewhere and does nothing), and its audit event, exactly one
 * per move (the event's trigger queues the webhook). It returns the moved
 * upload (with its `from_state`), or no row when it did not move.
 */
export function uploadMoveQuery(
  move: UploadMove,
  clauses: MoveClauses,
): { text: string; values: unknown[] } {
  const text = `WITH ${clauses.alongside ? `${clauses.alongside}, ` : ''}moved AS (
      UPDATE uploads SET state = $3, reason = $4, updated_at = now()${clauses.set ? `, ${clauses.set}` : ''}
      FROM (SELECT state AS from_state FROM uploads WHERE id = $1 FOR UPDATE) AS before
      WHERE id = $1 AND state = ANY($2::upload_state[])${clauses.guard ? ` AND ${clauses.guard}` : ''}
      RETURNING ${clauses.returning}, before.from_state
    ), audit AS (
      INSERT INTO upload_events (upload_id, from_state, to_state, reason, actor, detail)
      SELECT id, from_state, $3, $4, $5, $6 FROM moved
    )
    SELECT * FROM moved`;
  return {
    text,
    values: [
      move.uploadId,
      allowedSources(move.to),
      move.to,
      move.reason ?? null,
      move.actor,
      move.detail ?? null,
      ...(clauses.params ?? []),
    ],
  };
}

/** Counts a move that took effect: `row` is what {@link uploadMoveQuery} returned, if anything. */
export function countMove(
  metrics: Pick<PipelineMetrics, 'moved'> | undefined,
  row: object | undefined,
  to: UploadState,
): void {
  const from = (row as { from_state?: UploadState } | undefined)?.from_state;
  if (metrics && from) metrics.moved(from, to);
}
