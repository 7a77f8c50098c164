import {
  PgRetention,
  type Pool,
  type RetentionAction,
  type RetentionPolicy,
} from '@airlock/postgres';

export type PruneOptions = {
  readonly dryRun: boolean;
  /** Terminal uploads removed per transaction. */
  readonly batchSize: number;
};

export type PruneReport = {
  readonly dryRun: boolean;
  readonly policy: RetentionPolicy;
  /** One entry per action and target, rows summed over the batches. */
  readonly actions: RetentionAction[];
};

/** A dry run counts every candidate at once (PostgreSQL's largest integer). */
const ALL = 2_147_483_647;

/** Sums the rows of the same action on the same target, in first-seen order. */
export function mergeActions(actions: readonly RetentionAction[]): RetentionAction[] {
  const merged = new Map<string, RetentionAction>();
  for (const entry of actions) {
    const key = `${entry.action} ${entry.target}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, rows: seen.rows + entry.rows } : entry);
  }
  return [...merged.values()];
}

/** The rows of `target` one batch removed. */
const rowsOf = (target: string, actions: readonly RetentionAction[]): number =>
  actions.find((entry) => entry.target === target)?.rows ?? 0;

/** Runs `batch` until one removes fewer than `size` rows of `target`; every batch's actions. */
async function inBatches(
  target: string,
  size: number,
  batch: (size: number) => Promise<RetentionAction[]>,
): Promise<RetentionAction[]> {
  const actions: RetentionAction[] = [];
  let last: RetentionAction[];
  do {
    last = await batch(size);
    actions.push(...last);
  } while (rowsOf(target, last) === size);
  return actions;
}

/**
 * Applies the retention policy (docs/retention.md): makes the month
 * partitions ahead first, so rows never wait on one, then prunes old
 * deliveries, incidents and failures, then terminal uploads past their
 * retention with their audit, then expired upload tokens no upload names,
 * a batch per transaction until none is left.
 * A dry run changes nothing and says what would go.
 */
export async function prune(
  pool: Pool,
  policy: RetentionPolicy,
  options: PruneOptions,
): Promise<PruneReport> {
  const retention = new PgRetention({ pool });
  const { dryRun } = options;
  const actions = [
    ...(await retention.createPartitions(policy.partitionMonthsAhead, dryRun)),
    ...(await retention.pruneLogs(policy, dryRun)),
  ];
  const size = dryRun ? ALL : options.batchSize;
  actions.push(
    ...(await inBatches('uploads', size, (max) =>
      retention.pruneUploads(policy.terminalUploadsDays, max, dryRun),
    )),
    ...(await inBatches('upload_tokens', size, (max) =>
      retention.pruneUploadTokens(policy.uploadTokensDays, max, dryRun),
    )),
  );
  return { dryRun, policy, actions: mergeActions(actions) };
}

const VERBS: Record<RetentionAction['action'], [done: string, would: string]> = {
  create_partition: ['created', 'would create'],
  drop_partition: ['dropped', 'would drop'],
  delete: ['deleted', 'would delete'],
  keep_unsettled: ['kept', 'would keep'],
};

const rows = (n: number): string => `${n} row${n === 1 ? '' : 's'}`;

/** The report for people: one line per thing done, nothing for what found no rows. */
export function describePrune(report: PruneReport): string[] {
  const lines = report.actions
    .filter((entry) => entry.action === 'create_partition' || entry.rows > 0)
    .map((entry) => {
      const verb = VERBS[entry.action][report.dryRun ? 1 : 0];
      switch (entry.action) {
        case 'create_partition':
          return `${verb} partition ${entry.target}`;
        case 'drop_partition':
          return `${verb} partition ${entry.target} (${rows(entry.rows)})`;
        case 'keep_unsettled':
          return `${verb} ${rows(entry.rows)} still to deliver in ${entry.target}`;
        case 'delete':
          return `${verb} ${rows(entry.rows)} from ${entry.target}`;
      }
    });
  const tail = report.dryRun ? ' (dry run, nothing changed)' : '';
  return lines.length ? [...lines, `done${tail}`] : [`nothing to prune${tail}`];
}
