import { formatNumber, textTable, type Row } from './report.ts';

/**
 * Issue 16's targets, each checked against the rows of one run. The rows
 * carry the figures; the thresholds live here only, and `applyTargets`
 * writes them into the matching rows, so the table and the summary agree.
 */
type Criterion = {
  readonly stage: string;
  /** Matches the row's measure. */
  readonly measure: RegExp;
  /** What the row's target column says. */
  readonly text: string;
  /** Judged on ours ÷ baseline rather than on ours. */
  readonly onRatio?: true;
  readonly met: (row: Row) => boolean;
};

type Target = { readonly id: number; readonly title: string; readonly criteria: Criterion[] };

const isNumber = (value: number | null): value is number =>
  value !== null && Number.isFinite(value);

/** The N of a measure that ends "at N/s". */
const paceOf = (measure: string) => Number(/at (\d+)\/s$/.exec(measure)?.[1] ?? Number.NaN);

export const TARGETS: readonly Target[] = [
  {
    id: 1,
    title: 'API ahead of the seed: ≥ 1.5× its req/s (2× the aim), p99 < 25 ms at 32 connections',
    criteria: [
      {
        stage: 'upload-api',
        measure: /req\/s$/,
        text: '≥ 1.5× seed (aim 2×)',
        onRatio: true,
        met: (row) => isNumber(row.ratio) && row.ratio >= 1.5,
      },
      {
        stage: 'upload-api',
        measure: /p99 ms$/,
        text: '< 25 ms',
        met: (row) => isNumber(row.ours) && row.ours < 25,
      },
    ],
  },
  {
    id: 2,
    title: 'Small files: our CPU ≤ 6 ms a file, ≥ 200 files/s, p50 PUT → ready < 1 s at 150/s',
    criteria: [
      {
        stage: 'end to end',
        measure: /^ours CPU ms\/file/,
        text: '≤ 6 ms',
        met: (row) => isNumber(row.ours) && row.ours <= 6,
      },
      {
        stage: 'end to end',
        measure: /^files\/s, \d+ × 4 KiB$/,
        text: '≥ 200 files/s',
        met: (row) => isNumber(row.ours) && row.ours >= 200,
      },
      {
        // The p50 counts only if the files did arrive at that pace (a starved client sends slower).
        stage: 'end to end',
        measure: /^arrivals\/s, .* at \d+\/s$/,
        text: '≥ 95 % of the pace',
        met: (row) => isNumber(row.ours) && row.ours >= 0.95 * paceOf(row.measure),
      },
      {
        stage: 'end to end',
        measure: /^p50 ms PUT → ready, .* at \d+\/s$/,
        text: '< 1 s',
        met: (row) => isNumber(row.ours) && row.ours < 1000,
      },
    ],
  },
  {
    id: 3,
    title: 'Scan each content once: clamd asked once per content on a workload with repeats',
    criteria: [
      {
        stage: 'end to end',
        measure: /^clamd scans per content/,
        text: '1',
        met: (row) => isNumber(row.ours) && row.ours <= 1,
      },
    ],
  },
];

const criterionOf = (row: Row) =>
  TARGETS.flatMap((target) => target.criteria).find(
    (criterion) => criterion.stage === row.stage && criterion.measure.test(row.measure),
  );

/** The rows with issue 16's target and met? written in; a figure not measured stays "—". */
export function applyTargets(rows: readonly Row[]): Row[] {
  return rows.map((row) => {
    const criterion = criterionOf(row);
    if (!criterion) return row;
    const measured = isNumber(row.ours);
    return { ...row, target: criterion.text, met: measured ? criterion.met(row) : null };
  });
}

export type TargetVerdict = {
  readonly id: number;
  readonly title: string;
  /** true: every criterion met; false: one missed; null: one not measured and none missed. */
  readonly met: boolean | null;
  /** Each criterion's row and the figure it was judged on (ours, or the ratio). */
  readonly rows: { readonly row: Row; readonly figure: string }[];
};

/** Each target met or not, from rows that went through applyTargets. */
export function targetVerdicts(rows: readonly Row[]): TargetVerdict[] {
  return TARGETS.map((target) => {
    const matched = target.criteria.map((criterion) =>
      rows.find((row) => row.stage === criterion.stage && criterion.measure.test(row.measure)),
    );
    const found = target.criteria.flatMap((criterion, index) => {
      const row = matched[index];
      if (!row) return [];
      const figure = criterion.onRatio
        ? `${formatNumber(row.ratio)}${row.ratio === null ? '' : '×'}`
        : formatNumber(row.ours);
      return [{ row, figure }];
    });
    const mets = matched.map((row) => row?.met ?? null);
    const met = mets.includes(false) ? false : mets.includes(null) ? null : true;
    return { id: target.id, title: target.title, met, rows: found };
  });
}

const verdictText = (met: boolean | null) =>
  met === null ? 'not measured' : met ? 'met' : 'NOT MET';

/** One line per target, then its figures. */
export function targetsReport(verdicts: readonly TargetVerdict[]): string {
  const body = verdicts.flatMap((verdict) => [
    [`${verdict.id}. ${verdict.title}`, '', '', verdictText(verdict.met)],
    ...verdict.rows.map(({ row, figure }) => [
      `   ${row.measure}`,
      figure,
      row.target,
      row.met === null ? '—' : row.met ? 'yes' : 'NO',
    ]),
  ]);
  return `Issue 16 targets\n${textTable(['target', 'figure', 'needs', 'met?'], body, (column) => column === 1)}`;
}
