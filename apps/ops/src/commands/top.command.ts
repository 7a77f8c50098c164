import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { loadOpsConfig, OPS_QUEUES, parseMetricsTarget, type OpsConfig } from '@airlock/config';
import { createPool } from '@airlock/postgres';
import { createSqsClient } from '@airlock/sqs';
import { buildSnapshot, type TopReading } from '../operations/top-build.ts';
import { renderTop } from '../operations/top-layout.ts';
import { TOP_SNAPSHOT_SCHEMA, type TopSnapshot } from '../operations/top-snapshot.ts';
import { readTop, type TopQueue, type TopSources } from '../operations/top-sources.ts';
import { runLiveScreen } from '../top-screen.ts';
import { collect } from './options.ts';

type TopArguments = {
  once?: boolean;
  json?: boolean;
  schema?: boolean;
  interval: number;
  window: number;
  metrics?: string[];
};

const parsePositive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected ${what} above 0`);
  return n;
};

const parseTarget = (value: string, previous: string[] | undefined) => {
  try {
    parseMetricsTarget(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return collect(value, previous);
};

/** The queues whose URLs are set; the rest are said to be missing. */
function configuredQueues(config: OpsConfig, notes: string[]): TopQueue[] {
  const queues: TopQueue[] = [];
  const missing: string[] = [];
  for (const queue of OPS_QUEUES) {
    try {
      queues.push({ queue, url: config.queueUrl(queue), dlqUrl: config.dlqUrl(queue) });
    } catch {
      missing.push(queue);
    }
  }
  if (missing.length > 0)
    notes.push(`no SQS URLs for ${missing.join(', ')}: depths from the sampler's metrics if any`);
  return queues;
}

function databaseUrlOrNote(config: OpsConfig, notes: string[]): string | undefined {
  try {
    return config.databaseUrl();
  } catch {
    notes.push('no DATABASE_URL: no scanner version or uploads by state');
    return undefined;
  }
}

/** Reads every `interval` seconds; each call gives the snapshot since the previous reading. */
async function withSources<T>(
  args: TopArguments,
  work: (next: () => Promise<TopSnapshot>) => Promise<T>,
): Promise<T> {
  const config = loadOpsConfig();
  const notes: string[] = [];
  const targets = args.metrics?.map(parseMetricsTarget) ?? [...config.metricsTargets];
  if (targets.length === 0)
    notes.push('no /metrics pages: pass --metrics <url> or set AIRLOCK_METRICS_URLS');
  const queues = configuredQueues(config, notes);
  const databaseUrl = databaseUrlOrNote(config, notes);
  const sqs = queues.length > 0 ? createSqsClient(config.aws.sqs) : undefined;
  const pool = databaseUrl ? createPool(databaseUrl, { max: 1 }) : undefined;
  const sources: TopSources = {
    targets,
    sqs,
    queues,
    pool,
    windowMinutes: args.window,
    // A busy process can take a moment to answer; one that hangs costs a reading at most this.
    timeoutMs: 2000,
    notes,
  };
  let previous: TopReading | undefined;
  try {
    return await work(async () => {
      const current = await readTop(sources);
      const snapshot = buildSnapshot(previous, current);
      previous = current;
      return snapshot;
    });
  } finally {
    sqs?.destroy();
    await pool?.end();
  }
}

/** `airlock top`: the pipeline live; see operations/top-*.ts. */
export function topCommand(): Command {
  return new Command('top')
    .description(
      'a live view of the pipeline: per stage rate, queue depth and age, latency, failures, ' +
        'DLQs; the scanner; recent uploads by state (q quits)',
    )
    .option('--interval <seconds>', 'refresh interval', parsePositive('seconds'), 2)
    .option(
      '--metrics <url>',
      "[stage=]URL of a process's /metrics page (repeatable; default AIRLOCK_METRICS_URLS)",
      parseTarget,
    )
    .option(
      '--window <minutes>',
      'uploads by state over the last minutes',
      parsePositive('minutes'),
      5,
    )
    .option('--once', 'read twice, --interval apart, print one view and exit')
    .option('--json', 'a JSON snapshot (pretty with --once, one a line otherwise)')
    .option('--schema', "print the JSON Schema of --json's snapshot and exit")
    .action(async (args: TopArguments) => {
      if (args.schema) {
        process.stdout.write(`${JSON.stringify(z.toJSONSchema(TOP_SNAPSHOT_SCHEMA), null, 2)}\n`);
        return;
      }
      const color = Boolean(process.stdout.isTTY) && !args.json && !process.env.NO_COLOR;
      const intervalMs = args.interval * 1000;
      await withSources(args, async (next) => {
        if (args.once) {
          await next();
          await sleep(intervalMs);
          const snapshot = await next();
          process.stdout.write(
            args.json
              ? `${JSON.stringify(snapshot, null, 2)}\n`
              : `${renderTop(snapshot, { color })}\n`,
          );
          return;
        }
        if (args.json) {
          await runLiveScreen(async () => JSON.stringify(await next()), intervalMs, {
            plain: true,
          });
          return;
        }
        await runLiveScreen(async () => renderTop(await next(), { color }), intervalMs);
      });
    });
}
