import type { FileKind } from '../fixtures/files.ts';
import type { FileSpec } from '../load/e2e-client.ts';
import { runSet, type SetRun } from '../e2e/run-set.ts';
import { setFigures, setReport, type SetFigures } from '../e2e/set-report.ts';
import type { Row } from '../report.ts';
import { MiB } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

/** The API's text limit (MAX_TEXT_BYTES): mixed text files stay under it. */
const MAX_TEXT_BYTES = 10 * MiB;

/** A fixed sequence (mulberry32), so every run sends the same mix of kinds and sizes. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: readonly FileKind[] = ['jpeg', 'pdf', 'text'];

function mixedFiles(count: number, min: number, max: number): FileSpec[] {
  const random = seededRandom(7);
  return Array.from({ length: count }, (_, index) => {
    const kind = KINDS[index % KINDS.length]!;
    const size = Math.round(min + random() * (max - min));
    return { kind, size: kind === 'text' ? Math.min(size, MAX_TEXT_BYTES) : size };
  });
}

function problemsOf(label: string, run: SetRun): string[] {
  const problems = run.failures.map((failure) => `end to end ${label}: ${failure}`);
  const stuck = run.timelines.filter((timeline) => timeline.finalState === undefined).length;
  if (stuck) problems.push(`end to end ${label}: ${stuck} uploads not terminal in time`);
  const notReady = run.timelines.filter(
    (timeline) => timeline.finalState !== undefined && timeline.finalState !== 'ready',
  );
  if (notReady.length) {
    problems.push(
      `end to end ${label}: ${notReady.length} uploads ended ${[...new Set(notReady.map((t) => t.finalState))].join(', ')}`,
    );
  }
  return problems;
}

const row = (measure: string, ours: number, target: string, met: boolean | null): Row => ({
  stage: 'end to end',
  measure,
  ours,
  baseline: null,
  ratio: null,
  target,
  met,
});

async function run({ stack, settings, log }: StageContext): Promise<StageResult> {
  const e2e = settings.endToEnd;
  const tenant = await stack.tenant('end-to-end', 8);
  const send = (files: FileSpec[], oneByOne: boolean) =>
    runSet(stack, tenant, files, {
      oneByOne,
      concurrency: e2e.clientConcurrency,
      timeoutSeconds: e2e.timeoutSeconds,
    });

  const small: FileSpec[] = Array.from({ length: e2e.smallFiles }, () => ({
    kind: 'text',
    size: e2e.smallBytes,
  }));
  const mixed = mixedFiles(e2e.mixedFiles, e2e.mixedMinBytes, e2e.mixedMaxBytes);
  const middle = Math.round((e2e.mixedMinBytes + e2e.mixedMaxBytes) / 2);

  const smallIdle = await send(small.slice(0, e2e.idleProbes), true);
  log(`end to end: ${e2e.smallFiles} small files`);
  const smallRun = await send(small, false);
  const smallFigures = setFigures(smallRun, smallIdle);
  log(
    `end to end: small ${smallFigures.filesPerSecond.toFixed(1)} files/s, p50 ${smallFigures.latencyMs.p50.toFixed(0)} ms`,
  );

  const mixedIdle = await send(
    KINDS.map((kind) => ({
      kind,
      size: kind === 'text' ? Math.min(middle, MAX_TEXT_BYTES) : middle,
    })),
    true,
  );
  log(`end to end: ${e2e.mixedFiles} mixed files`);
  const mixedRun = await send(mixed, false);
  const mixedFigures = setFigures(mixedRun, mixedIdle);
  log(
    `end to end: mixed ${mixedFigures.filesPerSecond.toFixed(1)} files/s, p50 ${mixedFigures.latencyMs.p50.toFixed(0)} ms`,
  );

  const smallLabel = `${e2e.smallFiles} × ${e2e.smallBytes / 1024} KiB`;
  const mixedLabel = `${e2e.mixedFiles} mixed ${e2e.mixedMinBytes / MiB}–${e2e.mixedMaxBytes / MiB} MiB`;
  const idleLatency = setFigures(smallIdle, undefined).latencyMs;
  const figures = (label: string, set: SetFigures, targets: boolean): Row[] => [
    row(
      `files/s, ${label}`,
      set.filesPerSecond,
      targets ? '≥ 200 files/s' : '—',
      targets ? set.filesPerSecond >= 200 : null,
    ),
    ...(targets ? [] : [row(`MiB/s, ${label}`, set.mibPerSecond, '—', null)]),
    row(
      `p50 ms PUT → terminal, ${label}`,
      set.latencyMs.p50,
      targets ? '< 500 ms' : '—',
      targets ? set.latencyMs.p50 < 500 : null,
    ),
    row(`p99 ms PUT → terminal, ${label}`, set.latencyMs.p99, '—', null),
    // The same small file with the pipeline to itself: the latency floor under no backlog.
    ...(targets
      ? [row('p50 ms PUT → terminal, 4 KiB one at a time', idleLatency.p50, '—', null)]
      : []),
  ];
  return {
    rows: [...figures(smallLabel, smallFigures, true), ...figures(mixedLabel, mixedFigures, false)],
    details: {
      small: { set: smallLabel, ...smallFigures },
      mixed: {
        set: mixedLabel,
        kinds: mixed.map((file) => `${file.kind}:${file.size}`),
        ...mixedFigures,
      },
    },
    problems: [
      ...problemsOf('idle probe', smallIdle),
      ...problemsOf(smallLabel, smallRun),
      ...problemsOf('idle probe', mixedIdle),
      ...problemsOf(mixedLabel, mixedRun),
    ],
    extra: [
      setReport(`End to end, ${smallLabel}`, smallFigures),
      '',
      setReport(`End to end, ${mixedLabel}`, mixedFigures),
    ].join('\n'),
  };
}

export const endToEndStage: Stage = { name: 'end-to-end', run };
