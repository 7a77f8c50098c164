import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTenant } from '../bench-stack.ts';
import { cpuPerFile, hottestNodeProcess, OUR_PROCESSES } from '../e2e/cpu-per-file.ts';
import { coresPerThousandPhotosAnHour, photoCost } from '../e2e/photo-guidance.ts';
import { imageFuzzyHashInConfig, withoutImageFuzzyHash } from '../e2e/image-fuzzy-hash.ts';
import { profileWhile, type ProcessProfile } from '../e2e/profile-run.ts';
import { runRepeats } from '../e2e/repeats.ts';
import { runSet, type SetRun } from '../e2e/run-set.ts';
import { setFigures, setReport } from '../e2e/set-report.ts';
import type { FileKind } from '../fixtures/files.ts';
import type { FileSpec } from '../load/e2e-client.ts';
import { formatNumber, textTable, type Row } from '../report.ts';
import { MiB } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

/** The API's text limit (MAX_TEXT_BYTES): mixed text files stay under it. */
const MAX_TEXT_BYTES = 10 * MiB;

const REPOSITORY_ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

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

function mixedFiles(
  kinds: readonly FileKind[],
  count: number,
  min: number,
  max: number,
): FileSpec[] {
  const random = seededRandom(7);
  return Array.from({ length: count }, (_, index) => {
    const kind = kinds[index % kinds.length]!;
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

/** A row of this stage; issue 16's targets are written in by applyTargets (targets.ts). */
const row = (measure: string, ours: number | null): Row => ({
  stage: 'end to end',
  measure,
  ours,
  baseline: null,
  ratio: null,
  target: '—',
  met: null,
});

/** CPU ms per file of every watched process, then ours (the apps and PostgreSQL) and the emulators. */
function cpuRows(label: string, run: SetRun, files: number): Row[] {
  const perFile = cpuPerFile(run.cpuSeconds, files);
  const processes = Object.entries(perFile.processes)
    .filter(([name]) => (OUR_PROCESSES as readonly string[]).includes(name))
    .sort(([, a], [, b]) => b - a)
    .map(([name, ms]) => row(`CPU ms/file ${name}, ${label}`, ms));
  return [
    ...processes,
    row(`ours CPU ms/file (apps + PostgreSQL), ${label}`, perFile.ours),
    row(`emulators CPU ms/file (S3 + SQS), ${label}`, perFile.emulators),
    row(`clamd CPU ms/file, ${label}`, perFile.clamd),
  ];
}

function profileReport(profile: ProcessProfile): string {
  return [
    `Hottest stage process: ${profile.process}, under --cpu-prof for the profiled set; ` +
      `top functions by self time (open ${profile.file} in speedscope or Chrome DevTools):`,
    textTable(
      ['function', 'self ms', 'share', 'where'],
      profile.top.map((hot) => [
        hot.name,
        formatNumber(hot.selfMs),
        `${(hot.share * 100).toFixed(1)} %`,
        hot.location,
      ]),
      (column) => column === 1 || column === 2,
    ),
  ].join('\n');
}

async function run({ stack, settings, log, resultsFile }: StageContext): Promise<StageResult> {
  const e2e = settings.endToEnd;
  const tenant = await stack.tenant('end-to-end', 8);
  const send = (
    files: readonly FileSpec[],
    options: { oneByOne?: boolean; arrivalsPerSecond?: number; sender?: BenchTenant } = {},
  ) =>
    runSet(stack, options.sender ?? tenant, files, {
      oneByOne: options.oneByOne ?? false,
      // Paced: enough clients that a slow answer never holds the next arrival back.
      concurrency: options.arrivalsPerSecond
        ? Math.max(e2e.clientConcurrency, Math.ceil(options.arrivalsPerSecond / 2))
        : e2e.clientConcurrency,
      arrivalsPerSecond: options.arrivalsPerSecond,
      timeoutSeconds: e2e.timeoutSeconds,
    });
  const smallFile = (): FileSpec => ({ kind: 'text', size: e2e.smallBytes });
  const small = Array.from({ length: e2e.smallFiles }, smallFile);
  const smallLabel = `${e2e.smallFiles} × ${e2e.smallBytes / 1024} KiB`;
  const problems: string[] = [];

  const smallIdle = await send(small.slice(0, e2e.idleProbes), { oneByOne: true });
  problems.push(...problemsOf('idle probe', smallIdle));
  log(`end to end: ${smallLabel}, as fast as the client sends`);
  const smallRun = await send(small);
  problems.push(...problemsOf(smallLabel, smallRun));
  const smallFigures = setFigures(smallRun, smallIdle);
  log(
    `end to end: small ${smallFigures.filesPerSecond.toFixed(1)} files/s, p50 ${smallFigures.latencyMs.p50.toFixed(0)} ms`,
  );

  const rate = e2e.arrivalsPerSecond;
  const pacedLabel = `${smallLabel} at ${rate}/s`;
  log(`end to end: ${pacedLabel}`);
  const pacedRun = await send(small, { arrivalsPerSecond: rate });
  problems.push(...problemsOf(pacedLabel, pacedRun));
  const pacedFigures = setFigures(pacedRun, smallIdle);
  log(
    `end to end: paced, arrived at ${pacedFigures.arrivalsPerSecond.toFixed(0)}/s, p50 ${pacedFigures.latencyMs.p50.toFixed(0)} ms`,
  );

  const repeatLabel = `${e2e.repeatFiles} × ${e2e.smallBytes / 1024} KiB sent twice`;
  log(`end to end: ${repeatLabel}`);
  const repeatTenant = await stack.tenant('repeats');
  const repeats = await runRepeats(
    stack,
    repeatTenant,
    Array.from({ length: e2e.repeatFiles }, (_, index) => ({
      ...smallFile(),
      seed: `${stack.runId}:repeat:${index}`,
    })),
    (sender, files) => send(files, { sender }),
  );
  problems.push(
    ...problemsOf(`${repeatLabel} (first)`, repeats.first),
    ...problemsOf(`${repeatLabel} (again)`, repeats.again),
  );

  // The hottest of our Node processes in the small run, profiled on a set of its own.
  const hottest = hottestNodeProcess(smallRun.cpuSeconds);
  let profile: ProcessProfile | undefined;
  if (hottest) {
    const profileLabel = `${e2e.profileFiles} × ${e2e.smallBytes / 1024} KiB, ${hottest} profiled`;
    log(`end to end: ${profileLabel}`);
    const keepAs = join(
      dirname(resultsFile),
      `${basename(resultsFile, '.json')}.${hottest}.cpuprofile`,
    );
    try {
      const profiled = await profileWhile(hottest, keepAs, REPOSITORY_ROOT, async () => {
        problems.push(...problemsOf(profileLabel, await send(small.slice(0, e2e.profileFiles))));
      });
      // results.json is committed: no machine's absolute path in it.
      profile = { ...profiled, file: relative(REPOSITORY_ROOT, profiled.file) };
    } catch (error) {
      problems.push(`end to end ${profileLabel}: ${(error as Error).message}`);
    }
  }

  const middle = Math.round((e2e.mixedMinBytes + e2e.mixedMaxBytes) / 2);
  const mixedIdle = await send(
    KINDS.map((kind) => ({
      kind,
      size: kind === 'text' ? Math.min(middle, MAX_TEXT_BYTES) : middle,
    })),
    { oneByOne: true },
  );
  problems.push(...problemsOf('idle probe', mixedIdle));
  const mixed = mixedFiles(KINDS, e2e.mixedFiles, e2e.mixedMinBytes, e2e.mixedMaxBytes);
  const mixedLabel = `${e2e.mixedFiles} mixed ${e2e.mixedMinBytes / MiB}–${e2e.mixedMaxBytes / MiB} MiB`;
  log(`end to end: ${mixedLabel}`);
  const mixedRun = await send(mixed);
  problems.push(...problemsOf(mixedLabel, mixedRun));
  const mixedFigures = setFigures(mixedRun, mixedIdle);
  log(
    `end to end: mixed ${mixedFigures.filesPerSecond.toFixed(1)} files/s, p50 ${mixedFigures.latencyMs.p50.toFixed(0)} ms`,
  );

  const photos = e2e.photos;
  const photoFiles = mixedFiles(['jpeg'], photos.files, photos.minBytes, photos.maxBytes);
  const photoSets = { on: imageFuzzyHashInConfig() ?? true, off: false };
  const photoSet = async (fuzzy: 'on' | 'off') => {
    const label = `${photos.files} photo${photos.files === 1 ? '' : 's'} ${photos.minBytes / MiB}–${photos.maxBytes / MiB} MiB, image fuzzy hash ${fuzzy}`;
    log(`end to end: ${label}`);
    const run = await send(photoFiles);
    problems.push(...problemsOf(label, run));
    const figures = setFigures(run, undefined);
    return { label, figures, perPhoto: photoCost(run.cpuSeconds, figures.terminal) };
  };
  const photosOn = await photoSet(photoSets.on ? 'on' : 'off');
  const photosOff = photoSets.on ? await withoutImageFuzzyHash(() => photoSet('off')) : undefined;
  if (photoSets.on && !photosOff) log('end to end: the stack cannot turn image fuzzy hashing off');
  const photoRows = (set: Awaited<ReturnType<typeof photoSet>>): Row[] => [
    row(`p50 ms PUT → ready, ${set.label}`, set.figures.latencyMs.p50),
    row(`scanner + clamd CPU s/photo, ${set.label}`, set.perPhoto.scanner),
    row(`media CPU s/photo, ${set.label}`, set.perPhoto.media),
    row(
      `scanner + clamd cores per 1,000 photos/h, ${set.label}`,
      coresPerThousandPhotosAnHour(set.perPhoto.scanner),
    ),
    row(
      `media cores per 1,000 photos/h, ${set.label}`,
      coresPerThousandPhotosAnHour(set.perPhoto.media),
    ),
  ];

  const idleLatency = setFigures(smallIdle, undefined).latencyMs;
  const reuse = repeats.reuse;
  const rows: Row[] = [
    row(`files/s, ${smallLabel}`, smallFigures.filesPerSecond),
    row(`arrivals/s, ${smallLabel} (the client's pace)`, smallFigures.arrivalsPerSecond),
    row(`p50 ms PUT → ready, ${smallLabel}`, smallFigures.latencyMs.p50),
    row(`p99 ms PUT → ready, ${smallLabel}`, smallFigures.latencyMs.p99),
    // The same small file with the pipeline to itself: the latency floor under no backlog.
    row(`p50 ms PUT → ready, ${e2e.smallBytes / 1024} KiB one at a time`, idleLatency.p50),
    row(`arrivals/s, ${pacedLabel}`, pacedFigures.arrivalsPerSecond),
    row(`p50 ms PUT → ready, ${pacedLabel}`, pacedFigures.latencyMs.p50),
    row(`p99 ms PUT → ready, ${pacedLabel}`, pacedFigures.latencyMs.p99),
    ...cpuRows(smallLabel, smallRun, smallFigures.terminal),
    row(
      `clamd scans per content, ${repeatLabel}`,
      reuse && reuse.contents ? reuse.scanned / reuse.contents : null,
    ),
    row(
      `% of scans reused, ${repeatLabel}`,
      reuse && reuse.scanned + reuse.reused
        ? (reuse.reused / (reuse.scanned + reuse.reused)) * 100
        : null,
    ),
    row(`files/s, ${mixedLabel}`, mixedFigures.filesPerSecond),
    row(`MiB/s, ${mixedLabel}`, mixedFigures.mibPerSecond),
    row(`p50 ms PUT → ready, ${mixedLabel}`, mixedFigures.latencyMs.p50),
    row(`p99 ms PUT → ready, ${mixedLabel}`, mixedFigures.latencyMs.p99),
    ...photoRows(photosOn),
    ...(photosOff ? photoRows(photosOff) : []),
  ];
  return {
    rows,
    details: {
      small: { set: smallLabel, ...smallFigures },
      paced: { set: pacedLabel, ...pacedFigures },
      repeats: {
        set: repeatLabel,
        reuse: reuse ?? 'n/a: no upload_scans.reused_from column',
        first: setFigures(repeats.first, undefined),
        again: setFigures(repeats.again, undefined),
      },
      profile: profile ?? null,
      mixed: {
        set: mixedLabel,
        kinds: mixed.map((file) => `${file.kind}:${file.size}`),
        ...mixedFigures,
      },
      photos: [photosOn, ...(photosOff ? [photosOff] : [])].map((set) => ({
        set: set.label,
        perPhotoCpuSeconds: set.perPhoto,
        ...set.figures,
      })),
    },
    problems,
    extra: [
      setReport(`End to end, ${smallLabel}`, smallFigures),
      '',
      setReport(`End to end, ${pacedLabel}`, pacedFigures),
      '',
      reuse
        ? `Repeats, ${repeatLabel} (API key, then an upload token of the same customer): ` +
          `${reuse.contents} contents, clamd asked ${reuse.scanned} times, ${reuse.reused} verdicts reused`
        : `Repeats, ${repeatLabel}: n/a (the database records no verdict reuse: no upload_scans.reused_from)`,
      ...(profile ? ['', profileReport(profile)] : []),
      '',
      setReport(`End to end, ${mixedLabel}`, mixedFigures),
      ...[photosOn, ...(photosOff ? [photosOff] : [])].flatMap((set) => [
        '',
        setReport(`End to end, ${set.label}`, set.figures),
      ]),
    ].join('\n'),
  };
}

export const endToEndStage: Stage = { name: 'end-to-end', run };
