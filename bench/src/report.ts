/** One line of the results table: a figure, what it was compared with, and whether it met its target. */
export type Row = {
  readonly stage: string;
  readonly measure: string;
  readonly ours: number | null;
  readonly baseline: number | null;
  /** ours ÷ baseline. */
  readonly ratio: number | null;
  readonly target: string;
  /** null: no target for this figure. */
  readonly met: boolean | null;
};

export const formatNumber = (value: number | null): string => {
  if (value === null || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

const formatRatio = (value: number | null) => (value === null ? '—' : `${value.toFixed(2)}×`);
const formatMet = (met: boolean | null) => (met === null ? '—' : met ? 'yes' : 'NO');

const HEADER = ['stage', 'measure', 'ours', 'baseline', 'ratio', 'target', 'met?'];

function cells(row: Row): string[] {
  return [
    row.stage,
    row.measure,
    formatNumber(row.ours),
    formatNumber(row.baseline),
    formatRatio(row.ratio),
    row.target,
    formatMet(row.met),
  ];
}

/** Plain aligned columns; numbers right-aligned. */
export function textTable(
  header: readonly string[],
  body: readonly string[][],
  numeric: (column: number) => boolean = (column) => column >= 2 && column <= 4,
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((line) => line[column]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, column) =>
        numeric(column) ? value.padStart(widths[column]!) : value.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...body.map(line),
  ].join('\n');
}

export function markdownTable(header: readonly string[], body: readonly string[][]): string {
  const line = (values: readonly string[]) => `| ${values.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

export const resultsTable = (rows: readonly Row[]) => textTable(HEADER, rows.map(cells));
export const resultsMarkdown = (rows: readonly Row[]) => markdownTable(HEADER, rows.map(cells));
