import type { Pool } from './pool.ts';

/** One thing a retention run did, or in a dry run would do. */
export type RetentionAction = {
  /** `keep_unsettled`: rows an old delivery month still holds because they are not sent yet. */
  readonly action: 'create_partition' | 'drop_partition' | 'delete' | 'keep_unsettled';
  /** The table or partition. */
  readonly target: string;
  readonly rows: number;
};

/** How long each kind of row is kept, in days, and how far ahead month partitions are made. */
export type RetentionPolicy = {
  /** Terminal uploads (rejected, quarantined, expired) after their last move, with their audit. */
  readonly terminalUploadsDays: number;
  /** Settled webhook deliveries, by the month they were created in. */
  readonly webhookDeliveriesDays: number;
  /** Object incidents, by the month they happened in. */
  readonly objectIncidentsDays: number;
  /** Message failures after their last failure. */
  readonly messageFailuresDays: number;
  /** Browser upload tokens after they expired, unless an upload names them. */
  readonly uploadTokensDays: number;
  /** Month partitions made ahead of this one. */
  readonly partitionMonthsAhead: number;
};

type ActionRow = { action: RetentionAction['action']; target: string; row_count: string };

const toActions = (rows: ActionRow[]): RetentionAction[] =>
  rows.map((row) => ({ action: row.action, target: row.target, rows: Number(row.row_count) }));

/**
 * The retention functions of the retention migration: each runs as the
 * schema's owner, so the ops role creates and drops partitions and deletes
 * old rows through them only, under their rules (never a delivery still to
 * send, never a live upload or its audit).
 */
export class PgRetention {
  readonly #pool: Pool;

  constructor(deps: { pool: Pool }) {
    this.#pool = deps.pool;
  }

  async #actions(sql: string, values: unknown[]): Promise<RetentionAction[]> {
    const { rows } = await this.#pool.query<ActionRow>(sql, values);
    return toActions(rows);
  }

  /** This month's partitions and `monthsAhead` more, for every partitioned table. */
  async createPartitions(monthsAhead: number, dryRun: boolean): Promise<RetentionAction[]> {
    return this.#actions('SELECT * FROM airlock_create_partitions($1, $2)', [monthsAhead, dryRun]);
  }

  /** Old settled deliveries and incidents (whole months where possible) and message failures. */
  async pruneLogs(policy: RetentionPolicy, dryRun: boolean): Promise<RetentionAction[]> {
    return this.#actions('SELECT * FROM airlock_prune_logs($1, $2, $3, $4)', [
      policy.webhookDeliveriesDays,
      policy.objectIncidentsDays,
      policy.messageFailuresDays,
      dryRun,
    ]);
  }

  /**
   * At most `maxUploads` terminal uploads past their retention, oldest first,
   * with their events, deliveries and scans (one transaction).
   */
  async pruneUploads(
    olderThanDays: number,
    maxUploads: number,
    dryRun: boolean,
  ): Promise<RetentionAction[]> {
    return this.#actions('SELECT * FROM airlock_prune_uploads($1, $2, $3)', [
      olderThanDays,
      maxUploads,
      dryRun,
    ]);
  }

  /** At most `maxTokens` upload tokens expired for `olderThanDays` that no upload names, oldest first. */
  async pruneUploadTokens(
    olderThanDays: number,
    maxTokens: number,
    dryRun: boolean,
  ): Promise<RetentionAction[]> {
    return this.#actions('SELECT * FROM airlock_prune_upload_tokens($1, $2, $3)', [
      olderThanDays,
      maxTokens,
      dryRun,
    ]);
  }
}
