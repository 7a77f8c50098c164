import { styleText } from 'node:util';
import Table from 'cli-table3';
import { UPLOAD_STATES } from '@airlock/core';
import type { StageSnapshot, TopSnapshot } from './top-snapshot.ts';

type Style = Parameters<typeof styleText>[0];
/** Colours only where they are wanted (a terminal); text as it is otherwise. */
export type Paint = (style: Style, text: string) => string;

export const paintFor = (color: boolean): Paint =>
  color ? (style, text) => styleText(style, text, { validateStream: false }) : (_s, text) => text;

const DASH = '-';

/** 0.0004 → 0.4ms, 0.0123 → 12ms, 1.5 → 1.5s, 95 → 1.6m. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return DASH;
  if (seconds === 0) return '0s';
  if (seconds < 0.001) return `${(seconds * 1000).toFixed(1)}ms`;
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

/** 1234 → 1234, 12345 → 12.3k, 1234567 → 1.2M. */
export function formatCount(value: number | null): string {
  if (value === null) return DASH;
  if (value < 10_000) return String(Math.round(value));
  if (value < 1_000_000) return `${(value / 1000).toFixed(1)}k`;
  return `${(value / 1_000_000).toFixed(1)}M`;
}

export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return DASH;
  if (perSecond === 0) return '0';
  return perSecond < 100 ? perSecond.toFixed(1) : formatCount(perSecond);
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return DASH;
  const mib = bytes / (1024 * 1024);
  return mib < 1024 ? `${Math.round(mib)}M` : `${(mib / 1024).toFixed(1)}G`;
}

const HEADINGS = [
  'STAGE',
  'RATE/s',
  'TOTAL',
  'FAIL/s',
  'INFL',
  'QUEUE v/f/d',
  'OLDEST',
  'P50',
  'P95',
  'WAIT95',
  'DLQ',
  'CPU%',
  'RSS',
];
/** The widest a cell gets: with the gaps, the table is 99 columns. */
const WIDTHS = [10, 6, 6, 6, 4, 15, 6, 6, 6, 6, 5, 4, 5];

function stageCells(row: StageSnapshot, paint: Paint): string[] {
  const down = row.processes.up === 0;
  const name =
    row.processes.down > 0
      ? paint('red', `${row.stage}${down ? ' ✗' : ' !'}`)
      : down
        ? paint('dim', row.stage)
        : paint('bold', row.stage);
  const depth = row.queueDepth;
  const queue = depth
    ? [depth.visible, depth.inFlight, depth.delayed].map(formatCount).join('/')
    : DASH;
  const backlog = depth && depth.visible > 0 ? paint('yellow', queue) : queue;
  const failures = formatRate(row.failures.perSecond);
  const dlq = formatCount(row.dlqDepth);
  return [
    name,
    row.ratePerSecond
      ? paint('green', formatRate(row.ratePerSecond))
      : formatRate(row.ratePerSecond),
    formatCount(row.total),
    row.failures.perSecond ? paint('red', failures) : failures,
    formatCount(row.inFlight),
    backlog,
    formatSeconds(row.oldestAgeSeconds),
    formatSeconds(row.latency.p50Seconds),
    formatSeconds(row.latency.p95Seconds),
    formatSeconds(row.wait.p95Seconds),
    row.dlqDepth ? paint('red', dlq) : dlq,
    row.cpuPercent === null ? DASH : String(Math.round(row.cpuPercent)),
    formatBytes(row.memoryBytes),
  ];
}

function stageTable(snapshot: TopSnapshot, paint: Paint): string {
  const table = new Table({
    head: HEADINGS.map((heading) => paint(['bold', 'cyan'], heading)),
    colWidths: WIDTHS,
    colAligns: ['left', ...HEADINGS.slice(1).map(() => 'right' as const)],
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' ',
    },
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
  });
  table.push(...snapshot.stages.map((row) => stageCells(row, paint)));
  return table
    .toString()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .join('\n');
}

const WIDTH = 100;
const clip = (text: string): string =>
  text.length > WIDTH ? `${text.slice(0, WIDTH - 1)}…` : text;

/** `lead` then the items joined by ' · ', wrapped at {@link WIDTH} columns (measured unpainted). */
function wrapped(lead: string, items: ReadonlyArray<{ text: string; shown: string }>): string[] {
  const lines: string[] = [];
  let width = lead.length;
  let line = lead;
  items.forEach((item, index) => {
    const separator = index === 0 ? '' : ' · ';
    if (index > 0 && width + separator.length + item.text.length > WIDTH) {
      lines.push(line);
      width = 2 + item.text.length;
      line = `  ${item.shown}`;
    } else {
      width += separator.length + item.text.length;
      line += separator + item.shown;
    }
  });
  return [...lines, line];
}

function ago(iso: string, now: Date): string {
  return `${formatSeconds(Math.max(0, (now.getTime() - Date.parse(iso)) / 1000))} ago`;
}

function footer(snapshot: TopSnapshot, paint: Paint): string[] {
  const now = new Date(snapshot.at);
  const lines: string[] = [];
  const scanner = snapshot.scanner;
  lines.push(
    scanner
      ? `clamd ${paint('bold', scanner.engine)} · signatures ${scanner.signatures || DASH} · last scan ${ago(scanner.lastScanAt, now)}`
      : `clamd ${DASH} (no scan recorded)`,
  );
  const outbox = snapshot.outbox;
  if (outbox) {
    const waiting = `webhook outbox ${formatCount(outbox.backlog)} waiting, oldest ${formatSeconds(outbox.oldestAgeSeconds)}`;
    lines.push(outbox.backlog > 0 ? paint('yellow', waiting) : waiting);
  }
  const uploads = snapshot.uploads;
  if (uploads) {
    // In the order an upload passes them.
    const order = (state: string) => (UPLOAD_STATES as readonly string[]).indexOf(state);
    const states = Object.entries(uploads.byState).sort(([a], [b]) => order(a) - order(b));
    const counts = states.map(([state, n]) => {
      const text = `${state} ${n}`;
      const alarming = (state === 'rejected' || state === 'quarantined') && n > 0;
      return { text, shown: alarming ? paint('red', text) : text };
    });
    const lead = `uploads, last ${uploads.windowMinutes} min${uploads.truncated ? ' (most recent)' : ''}: `;
    lines.push(...(counts.length > 0 ? wrapped(lead, counts) : [`${lead}none`]));
  }
  for (const target of snapshot.targets.filter((t) => !t.up))
    lines.push(
      paint('red', clip(`down ${target.stage ?? '?'} ${target.url}: ${target.error ?? ''}`)),
    );
  for (const problem of snapshot.problems) lines.push(paint('yellow', clip(problem)));
  return lines;
}

/** The screen `airlock top` draws for a snapshot: at most 100 columns wide. */
export function renderTop(snapshot: TopSnapshot, options: { color: boolean }): string {
  const paint = paintFor(options.color);
  const up = snapshot.targets.filter((t) => t.up).length;
  const time = snapshot.at.slice(11, 19);
  const every =
    snapshot.intervalSeconds === null
      ? 'first reading'
      : `over ${snapshot.intervalSeconds.toFixed(1)}s`;
  const header = `${paint('bold', 'airlock top')}  ${time} UTC  ${every}  ${up}/${snapshot.targets.length} processes up  ${paint('dim', 'q quits')}`;
  return [header, '', stageTable(snapshot, paint), '', ...footer(snapshot, paint)].join('\n');
}
