import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadOpsConfig, OPS_QUEUES, type OpsQueue } from '@airlock/config';
import { withPool, withSqs } from '../clients.ts';
import {
  listDeadLetterQueues,
  peekDeadLetterQueue,
  purgeDeadLetterQueue,
  replayDeadLetterQueue,
  type QueueUrls,
} from '../operations/dead-letters.ts';
import { createOutput } from '../output.ts';
import { plural } from './options.ts';

type OverrideOptions = { queueUrl?: string; dlqUrl?: string };

/** The URLs from the environment, unless given on the command line. */
function urlsOf(queue: OpsQueue, overrides: OverrideOptions): QueueUrls {
  const config = loadOpsConfig();
  return {
    queue,
    url: overrides.queueUrl ?? config.queueUrl(queue),
    dlqUrl: overrides.dlqUrl ?? config.dlqUrl(queue),
  };
}

const parseQueue = (value: string): OpsQueue => {
  if (!(OPS_QUEUES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${OPS_QUEUES.join(', ')}`);
  return value as OpsQueue;
};

const parseLimit = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

/** A subcommand on one source queue's DLQ, with the URL overrides. */
const queueCommand = (name: string, description: string): Command =>
  new Command(name)
    .description(description)
    .argument('<queue>', `source queue: ${OPS_QUEUES.join(', ')}`, parseQueue)
    .option('--queue-url <url>', 'source queue URL instead of the one from the environment')
    .option('--dlq-url <url>', 'dead-letter queue URL instead of the one from the environment');

const age = (seconds: number | null): string => {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
};

function listCommand(): Command {
  return new Command('list')
    .description("every dead-letter queue with its depth and its oldest message's age")
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const config = loadOpsConfig();
      const rows = await withSqs(config, (sqs) =>
        listDeadLetterQueues(sqs, (queue) => config.dlqUrl(queue)),
      );
      createOutput(Boolean(options.json)).result(rows, () => [
        `${'QUEUE'.padEnd(15)} ${'DEPTH'.padStart(7)}  OLDEST`,
        ...rows.map(
          (row) =>
            `${row.queue.padEnd(15)} ${String(row.depth).padStart(7)}  ${age(row.oldestAgeSeconds)}`,
        ),
      ]);
    });
}

function peekCommand(): Command {
  return queueCommand('peek', 'decoded dead letters of a queue, without removing them')
    .option('--limit <n>', 'at most this many messages', parseLimit, 10)
    .option('--json', 'machine-readable output')
    .action(
      async (queue: OpsQueue, options: OverrideOptions & { limit: number; json?: boolean }) => {
        const config = loadOpsConfig();
        const target = urlsOf(queue, options);
        const decoded = await withSqs(config, (sqs) =>
          withPool(config, (pool) => peekDeadLetterQueue({ sqs, pool }, target, options.limit)),
        );
        createOutput(Boolean(options.json)).result(decoded, () =>
          decoded.length === 0
            ? `no dead letters on ${queue}`
            : decoded.flatMap((d) => [
                `${d.messageId}  upload ${d.uploadId ?? '-'}  ${d.stage}`,
                `  receives ${d.receiveCount}${d.permanent ? ' (permanent)' : ''}  first failure ${d.firstFailedAt ?? '-'}  last failure ${d.lastFailedAt ?? '-'}`,
                `  last error: ${d.lastError ?? '-'}`,
              ]),
        );
      },
    );
}

function replayCommand(): Command {
  return queueCommand(
    'replay',
    'move dead letters back to their source queue (handlers are idempotent)',
  )
    .option('--upload <id>', "only this upload's messages")
    .option('--limit <n>', 'at most this many messages', parseLimit)
    .option('--json', 'machine-readable output')
    .action(
      async (
        queue: OpsQueue,
        options: OverrideOptions & { upload?: string; limit?: number; json?: boolean },
      ) => {
        const out = createOutput(Boolean(options.json));
        const config = loadOpsConfig();
        const target = urlsOf(queue, options);
        const result = await withPool(config, (pool) =>
          withSqs(config, (sqs) =>
            out.withProgressBar('replay', 'messages', (onProgress) =>
              replayDeadLetterQueue(
                { sqs, pool },
                target,
                { uploadId: options.upload, limit: options.limit },
                onProgress,
              ),
            ),
          ),
        );
        out.result(
          { queue, replayed: result.replayed, skipped: result.skipped },
          () => `${plural(result.replayed, 'message')} replayed to ${queue}`,
        );
      },
    );
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function purgeCommand(): Command {
  return queueCommand('purge', "delete every message on a queue's DLQ (asks first)")
    .addOption(new Option('-y, --yes', 'do not ask for confirmation'))
    .option('--json', 'machine-readable output')
    .action(
      async (queue: OpsQueue, options: OverrideOptions & { yes?: boolean; json?: boolean }) => {
        const { dlqUrl } = urlsOf(queue, options);
        const purged = await withSqs(loadOpsConfig(), (sqs) =>
          purgeDeadLetterQueue(
            sqs,
            dlqUrl,
            async (depth) =>
              options.yes === true ||
              (await confirm(`Purge ${depth} message(s) from the ${queue} DLQ?`)),
          ),
        );
        if (purged === undefined) {
          throw new Error(
            process.stdin.isTTY
              ? 'not purged'
              : 'refusing to purge without confirmation: pass --yes when not on a terminal',
          );
        }
        createOutput(Boolean(options.json)).result(
          { queue, purged },
          () => `purged ${purged} message(s) from the ${queue} DLQ`,
        );
      },
    );
}

export function dlqCommand(): Command {
  return new Command('dlq')
    .description(
      'dead-letter queues: list, peek, replay, purge. <queue> is the source queue: ' +
        `${OPS_QUEUES.join(', ')}; --queue-url/--dlq-url override the URLs from the environment`,
    )
    .addCommand(listCommand())
    .addCommand(peekCommand())
    .addCommand(replayCommand())
    .addCommand(purgeCommand());
}
