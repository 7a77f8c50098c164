/**
 * `npm run bench [-- --quick] [-- --only a,b]`: every stage of the pipeline
 * against its floor, measured side by side in one run on the local stack.
 * Prints the table and writes every figure to bench/results.json (full runs)
 * or bench/results.quick.json / results.partial.json (smoke and partial runs).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { format, resolveConfig } from 'prettier';
import { openStack } from './bench-stack.ts';
import { DOC_PATH, SETTINGS_PATH, writeCapacityOutputs } from './capacity/outputs.ts';
import { describeMachine, machineLine } from './machine.ts';
import { resultsMarkdown, resultsTable, type Row } from './report.ts';
import { FULL, QUICK, withArrivalRate } from './settings.ts';
import { endToEndStage } from './stages/end-to-end.stage.ts';
import { largeObjectsStage } from './stages/large-objects.stage.ts';
import { mediaStage } from './stages/media.stage.ts';
import { multipartStage } from './stages/multipart.stage.ts';
import { presignStage } from './stages/presign.stage.ts';
import { scannerStage } from './stages/scanner.stage.ts';
import type { Stage, StageResult } from './stages/stage.ts';
import { applyTargets, targetsReport, targetVerdicts } from './targets.ts';
import { uploadApiStage } from './stages/upload-api.stage.ts';
import { verifierStage } from './stages/verifier.stage.ts';

const STAGES: readonly Stage[] = [
  uploadApiStage,
  presignStage,
  verifierStage,
  scannerStage,
  mediaStage,
  endToEndStage,
  largeObjectsStage,
  multipartStage,
];

type Options = {
  quick?: boolean;
  only?: string;
  out?: string;
  markdown?: boolean;
  arrivalRate?: string;
};

const program = new Command('bench')
  .description('Measures every stage of the pipeline against its baseline, in one run')
  .option('--quick', 'smoke run: every code path, small sizes, under a minute; for CI')
  .option('--only <stages>', `comma-separated subset of: ${STAGES.map((s) => s.name).join(', ')}`)
  .option('--out <file>', 'where to write the JSON results')
  .option('--markdown', 'print the table as Markdown too, for bench/README.md')
  .option('--arrival-rate <files/s>', "the paced end-to-end set's arrival rate (default 150)")
  .parse();
const options = program.opts<Options>();

const settings = withArrivalRate(
  options.quick ? QUICK : FULL,
  options.arrivalRate === undefined ? undefined : Number(options.arrivalRate),
);
const only = options.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !STAGES.some((stage) => stage.name === name)) ?? [];
if (unknown.length) program.error(`unknown stage(s): ${unknown.join(', ')}`);
const selected = STAGES.filter((stage) => !only || only.includes(stage.name));
// Only a complete full run replaces the kept results (and the capacity model made from them).
const keepsResults = !options.out && settings.mode !== 'quick' && !only;
const out =
  options.out ??
  fileURLToPath(
    new URL(
      settings.mode === 'quick'
        ? '../results.quick.json'
        : only
          ? '../results.partial.json'
          : '../results.json',
      import.meta.url,
    ),
  );

const startedAt = new Date();
const clock = performance.now();
const log = (line: string) =>
  process.stderr.write(
    `[${((performance.now() - clock) / 1000).toFixed(1).padStart(6)}s] ${line}\n`,
  );
const machine = describeMachine();
log(`${settings.mode} run on ${machineLine(machine, startedAt)}`);

const stack = await openStack(log);
// Production exports no traces unless told to; the local stack does by default.
const tracesExported = Boolean(stack.env.OTEL_EXPORTER_OTLP_ENDPOINT);
log(
  tracesExported
    ? 'stack: its apps export traces (AIRLOCK_DEV_TRACING=off on a stopped stack measures without)'
    : 'stack: trace export off, as in production by default',
);
const results: Record<string, StageResult> = {};
const problems: string[] = [];
try {
  for (const stage of selected) {
    log(`${stage.name}: starting`);
    try {
      const result = await stage.run({ stack, settings, log, resultsFile: out });
      results[stage.name] = result;
      problems.push(...result.problems);
    } catch (error) {
      problems.push(`${stage.name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`${stage.name}: failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
} finally {
  await stack.close();
}

const rows: Row[] = applyTargets(Object.values(results).flatMap((result) => result.rows));
const targets = targetVerdicts(rows);
const wallSeconds = (performance.now() - clock) / 1000;
const output = [
  '',
  resultsTable(rows),
  '',
  targetsReport(targets),
  ...Object.values(results).flatMap((result) => (result.extra ? ['', result.extra] : [])),
  '',
  `${settings.mode} run, ${wallSeconds.toFixed(0)} s; ${machineLine(machine, startedAt)}`,
  ...(settings.mode === 'quick'
    ? [
        'Quick run: a smoke test of every code path; its sizes are too small for the figures to mean much.',
      ]
    : []),
  ...(options.markdown ? ['', resultsMarkdown(rows)] : []),
  ...(problems.length ? ['', 'Problems:', ...problems.map((problem) => `  - ${problem}`)] : []),
  '',
];
process.stdout.write(output.join('\n'));

// Three decimals are plenty for any figure here and keep the file readable.
const rounded = (_key: string, value: unknown) =>
  typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
const document = {
  mode: settings.mode,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  wallSeconds: Math.round(wallSeconds),
  machine,
  tracesExported,
  loadAtEnd: Math.round(loadavg()[0]! * 100) / 100,
  settings,
  rows,
  targets: targets.map(({ id, title, met }) => ({ id, title, met })),
  stages: Object.fromEntries(
    Object.entries(results).map(([name, result]) => [name, result.details]),
  ),
  problems,
};
// Formatted as the repo's `prettier --check .` expects: results.json is committed.
writeFileSync(
  out,
  await format(JSON.stringify(document, rounded), {
    ...(await resolveConfig(out)),
    parser: 'json',
  }),
);
log(`results written to ${relative(process.cwd(), out)}`);
if (keepsResults) {
  writeCapacityOutputs(fileURLToPath(new URL('../..', import.meta.url)));
  log(`capacity model rewritten: ${DOC_PATH}, ${SETTINGS_PATH}`);
}
// Speed is never asserted; only a broken harness or pipeline fails the run.
process.exitCode = problems.length ? 1 : 0;
