import { formatNumber, textTable } from '../report.ts';
import { MiB, summarize, type Summary } from '../stats.ts';
import type { SetRun } from './run-set.ts';
import { spanSummaries, type SpanSummary } from './timeline.ts';

export type SetFigures = {
  readonly files: number;
  readonly terminal: number;
  readonly states: Record<string, number>;
  /** How fast the client's PUTs finished: the load offered, against what the pipeline drained. */
  readonly arrivalsPerSecond: number;
  readonly filesPerSecond: number;
  readonly mibPerSecond: number;
  /** PUT done → terminal state, ms. */
  readonly latencyMs: Summary;
  readonly spans: (SpanSummary & { idleMeanMs: number | null; overIdleMs: number | null })[];
  readonly queues: SetRun['queues'];
  readonly cpuSeconds: Record<string, number>;
  readonly machineBusy: number;
  /** From the first PUT done to the last terminal state. */
  readonly windowSeconds: number;
};

/**
 * Throughput, latency and where the time went. A span's idle mean is the
 * same span with the pipeline to itself, one file at a time (work plus each
 * hop's own latency); what the loaded run spent beyond it is waiting behind
 * other files. It can be negative: an idle worker sits in a long poll, a busy
 * one receives again at once.
 */
export function setFigures(run: SetRun, idle: SetRun | undefined): SetFigures {
  const done = run.timelines.filter((timeline) => timeline.terminalAt !== undefined);
  const puts = run.timelines.map((timeline) => timeline.upload.putDoneAt);
  const firstPut = Math.min(...puts);
  const lastTerminal = Math.max(...done.map((timeline) => timeline.terminalAt!));
  const windowSeconds = done.length ? (lastTerminal - firstPut) / 1000 : Number.NaN;
  const bytes = done.reduce((sum, timeline) => sum + timeline.upload.size, 0);
  const states: Record<string, number> = {};
  for (const timeline of run.timelines) {
    const state = timeline.finalState ?? 'not terminal';
    states[state] = (states[state] ?? 0) + 1;
  }
  const idleSpans = idle ? spanSummaries(idle.timelines) : [];
  return {
    files: run.timelines.length,
    terminal: done.length,
    states,
    arrivalsPerSecond: (puts.length - 1) / ((Math.max(...puts) - firstPut) / 1000),
    filesPerSecond: done.length / windowSeconds,
    mibPerSecond: bytes / MiB / windowSeconds,
    latencyMs: summarize(done.map((timeline) => timeline.terminalAt! - timeline.upload.putDoneAt)),
    spans: spanSummaries(done).map((span) => {
      const idleMean = idleSpans.find((candidate) => candidate.name === span.name)?.mean ?? null;
      return {
        ...span,
        idleMeanMs: idleMean,
        overIdleMs: idleMean === null ? null : span.mean - idleMean,
      };
    }),
    queues: run.queues,
    cpuSeconds: run.cpuSeconds,
    machineBusy: run.machineBusy,
    windowSeconds,
  };
}

export function setReport(title: string, figures: SetFigures): string {
  const totalMean = figures.spans.reduce((sum, span) => sum + span.mean, 0);
  const spans = textTable(
    ['where the time goes (ms)', 'p50', 'p99', 'mean', 'share', 'idle mean', 'mean − idle'],
    figures.spans.map((span) => [
      span.name,
      formatNumber(span.p50),
      formatNumber(span.p99),
      formatNumber(span.mean),
      `${Math.round((span.mean / totalMean) * 100)} %`,
      formatNumber(span.idleMeanMs),
      formatNumber(span.overIdleMs),
    ]),
    (column) => column >= 1,
  );
  const queues = Object.entries(figures.queues)
    .map(
      ([name, depth]) =>
        `${name} ${depth.maxWaiting} waiting / ${depth.maxInFlight} in flight (mean ${depth.meanWaiting.toFixed(0)} / ${depth.meanInFlight.toFixed(0)})`,
    )
    .join('; ');
  const cpuTotal = Object.values(figures.cpuSeconds).reduce((sum, seconds) => sum + seconds, 0);
  const cpu = Object.entries(figures.cpuSeconds)
    .filter(([, seconds]) => seconds >= 0.05)
    .sort(([, a], [, b]) => b - a)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
    .join(', ');
  return [
    `${title}: ${figures.terminal}/${figures.files} terminal (${Object.entries(figures.states)
      .map(([state, count]) => `${count} ${state}`)
      .join(', ')}) in ${figures.windowSeconds.toFixed(1)} s; PUTs done at ` +
      `${figures.arrivalsPerSecond.toFixed(0)}/s, drained at ${figures.filesPerSecond.toFixed(1)}/s`,
    spans,
    `queue depth, max (mean): ${queues}`,
    `CPU seconds while it ran: ${cpu || 'not measured'} (${cpuTotal.toFixed(1)} s in all); ` +
      `all cores ${Math.round(figures.machineBusy * 100)} % busy`,
  ].join('\n');
}
