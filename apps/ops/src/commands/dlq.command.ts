import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { parseS3Notification } from '@airlock/core';
import {
  PgMessageFailures,
  PgUploadRepository,
  PgWebhookOutbox,
  type Pool,
} from '@airlock/postgres';
import {
  createSqsClient,
  dlqStats,
  peekDeadLetters,
  purgeQueue,
  replayDeadLetters,
  type DeadLetter,
} from '@airlock/sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { withPool } from '../database.ts';
import { isUuid } from '../uuid.ts';
import { createOutput } from '../output.ts';

/** The source queues, by the names operators use, with the env variables of their URLs. */
const QUEUES = {
  'upload-events': 'UPLOAD_EVENTS',
  'scan-jobs': 'SCAN_JOBS',
  'media-jobs': 'MEDIA_JOBS',
  'webhook-jobs': 'WEBHOOK_JOBS',
} as const;
type QueueName = keyof typeof QUEUES;
const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

type Urls = { url: string; dlqUrl: string };
type OverrideOptions = { queueUrl?: string; dlqUrl?: string };

function envUrl(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}, or start the local stack with \`airlock dev up\``);
  return value;
}

function urlsOf(queue: QueueName, overrides: OverrideOptions = {}): Urls {
  const prefix = QUEUES[queue];
  return {
    url: overrides.queueUrl ?? envUrl(`${prefix}_QUEUE_URL`),
    dlqUrl: overrides.dlqUrl ?? envUrl(`${prefix}_DLQ_URL`),
  };
}

const parseQueue = (value: string): QueueName => {
  if (!(QUEUE_NAMES as string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${QUEUE_NAMES.join(', ')}`);
  return value as QueueName;
};

const parseLimit = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

function sqsClient(): SQSClient {
  return createSqsClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: process.env.SQS_ENDPOINT,
  });
}

async function withSqs<T>(work: (sqs: SQSClient) => Promise<T>): Promise<T> {
  const sqs = sqsClient();
  try {
    return await work(sqs);
  } finally {
    sqs.destroy();
  }
}

const overrideOptions = (command: Command): Command =>
  command
    .option('--queue-url <url>', 'source queue URL instead of the one from the environment')
    .option('--dlq-url <url>', 'dead-letter queue URL instead of the one from the environment');

/**
 * The upload a message is about: jobs name it; webhook jobs name their
 * delivery, S3 notifications the object, each found in the database.
 */
async function uploadIdOf(
  body: string,
  pool: Pool,
): Promise<{ uploadId: string | null; stage: string }> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { uploadId: null, stage: 'unknown' };
  }
  if (json && typeof json === 'object' && 'deliveryId' in json) {
    const { deliveryId } = json as { deliveryId?: unknown };
    const delivery =
      typeof deliveryId === 'string' && isUuid(deliveryId)
        ? await new PgWebhookOutbox({ pool }).find(deliveryId)
        : undefined;
    return { uploadId: delivery?.event.uploadId ?? null, stage: 'webhook.delivery' };
  }
  if (json && typeof json === 'object' && 'uploadId' in json) {
    const job = json as { uploadId?: unknown; type?: unknown };
    return {
      uploadId: typeof job.uploadId === 'string' ? job.uploadId : null,
      stage: typeof job.type === 'string' ? job.type : 'job',
    };
  }
  const notification = parseS3Notification(body);
  if (notification?.kind === 'objects') {
    const object = notification.objects[0];
    const upload = object
      ? await new PgUploadRepository({ pool }).findByObject(object.bucket, object.key)
      : undefined;
    return { uploadId: upload?.id ?? null, stage: 's3.object-created' };
  }
  return { uploadId: null, stage: notification?.kind === 'test' ? 's3.test-event' : 'unknown' };
}

type DecodedLetter = {
  messageId: string;
  uploadId: string | null;
  stage: string;
  receiveCount: number;
  sourceQueue: string | null;
  permanent: boolean;
  firstFailedAt: string | null;
  lastFailedAt: string | null;
  lastError: string | null;
  deadLetteredAt: string | null;
  body: string;
};

async function decode(
  queue: QueueName,
  letters: DeadLetter[],
  pool: Pool,
): Promise<DecodedLetter[]> {
  const failures = new PgMessageFailures({ pool });
  const decoded: DecodedLetter[] = [];
  for (const letter of letters) {
    const { uploadId, stage } = await uploadIdOf(letter.body, pool);
    const failure = await failures.find(queue, letter.messageId);
    const attrs = letter.attributes;
    const attrCount = Number(attrs['airlock-receive-count']);
    decoded.push({
      messageId: letter.messageId,
      uploadId,
      stage,
      // A message dead-lettered at once keeps its count in an attribute; a redriven one in SQS's.
      receiveCount: Math.max(
        failure?.receiveCount ?? 0,
        Number.isFinite(attrCount) ? attrCount : 0,
        attrs['airlock-receive-count'] === undefined ? letter.receiveCount : 0,
      ),
      sourceQueue: attrs['airlock-source-queue'] ?? null,
      permanent: failure?.permanent ?? attrs['airlock-permanent'] === 'true',
      firstFailedAt: failure?.firstFailedAt.toISOString() ?? null,
      lastFailedAt: failure?.lastFailedAt.toISOString() ?? attrs['airlock-failed-at'] ?? null,
      lastError: failure?.error ?? attrs['airlock-error'] ?? null,
      deadLetteredAt: letter.sentAt?.toISOString() ?? null,
      body: letter.body,
    });
  }
  return decoded;
}

const age = (seconds: number | undefined): string => {
  if (seconds === undefined) return '-';
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
      const out = createOutput(Boolean(options.json));
      const rows = await withSqs(async (sqs) => {
        const result = [];
        for (const queue of QUEUE_NAMES) {
          const { dlqUrl } = urlsOf(queue);
          const stats = await dlqStats(sqs, dlqUrl);
          result.push({
            queue,
            dlqUrl,
            depth: stats.depth,
            oldestAgeSeconds: stats.oldestAgeSeconds ?? null,
          });
        }
        return result;
      });
      out.result(rows, () => [
        `${'QUEUE'.padEnd(15)} ${'DEPTH'.padStart(7)}  OLDEST`,
        ...rows.map(
          (row) =>
            `${row.queue.padEnd(15)} ${String(row.depth).padStart(7)}  ${age(row.oldestAgeSeconds ?? undefined)}`,
        ),
      ]);
    });
}

function peekCommand(): Command {
  return overrideOptions(
    new Command('peek')
      .description('decoded dead letters of a queue, without removing them')
      .argument('<queue>', `source queue: ${QUEUE_NAMES.join(', ')}`, parseQueue)
      .option('--limit <n>', 'at most this many messages', parseLimit, 10)
      .option('--json', 'machine-readable output'),
  ).action(
    async (queue: QueueName, options: OverrideOptions & { limit: number; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const { dlqUrl } = urlsOf(queue, options);
      const letters = await withSqs((sqs) => peekDeadLetters(sqs, dlqUrl, options.limit));
      const decoded = await withPool((pool) => decode(queue, letters, pool));
      out.result(decoded, () =>
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
  return overrideOptions(
    new Command('replay')
      .description('move dead letters back to their source queue (handlers are idempotent)')
      .argument('<queue>', `source queue: ${QUEUE_NAMES.join(', ')}`, parseQueue)
      .option('--upload <id>', "only this upload's messages")
      .option('--limit <n>', 'at most this many messages', parseLimit)
      .option('--json', 'machine-readable output'),
  ).action(
    async (
      queue: QueueName,
      options: OverrideOptions & { upload?: string; limit?: number; json?: boolean },
    ) => {
      const out = createOutput(Boolean(options.json));
      const { url, dlqUrl } = urlsOf(queue, options);
      const result = await withPool((pool) =>
        withSqs(async (sqs) => {
          // Uploads are matched up front (S3 notifications need a lookup); the filter is sync.
          const matching = new Set<string>();
          if (options.upload) {
            for (const letter of await peekDeadLetters(sqs, dlqUrl, 1000)) {
              const { uploadId } = await uploadIdOf(letter.body, pool);
              if (uploadId === options.upload) matching.add(letter.messageId);
            }
          }
          const total = options.upload
            ? Math.min(matching.size, options.limit ?? Infinity)
            : (options.limit ?? (await dlqStats(sqs, dlqUrl, 0)).depth);
          const bar = new SingleBar(
            { format: 'replay [{bar}] {value}/{total} messages', stream: process.stderr },
            Presets.shades_classic,
          );
          if (!options.json) bar.start(total, 0);
          try {
            return await replayDeadLetters(sqs, {
              dlqUrl,
              sourceUrl: url,
              limit: options.limit,
              filter: options.upload ? (letter) => matching.has(letter.messageId) : undefined,
              onProgress: (n) => {
                if (!options.json) bar.update(n);
              },
            });
          } finally {
            if (!options.json) bar.stop();
          }
        }),
      );
      out.result(
        { queue, replayed: result.replayed, skipped: result.skipped },
        () => `${result.replayed} message${result.replayed === 1 ? '' : 's'} replayed to ${queue}`,
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
  return overrideOptions(
    new Command('purge')
      .description("delete every message on a queue's DLQ (asks first)")
      .argument('<queue>', `source queue: ${QUEUE_NAMES.join(', ')}`, parseQueue)
      .addOption(new Option('-y, --yes', 'do not ask for confirmation'))
      .option('--json', 'machine-readable output'),
  ).action(
    async (queue: QueueName, options: OverrideOptions & { yes?: boolean; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const { dlqUrl } = urlsOf(queue, options);
      await withSqs(async (sqs) => {
        const { depth } = await dlqStats(sqs, dlqUrl, 0);
        if (!options.yes && !(await confirm(`Purge ${depth} message(s) from the ${queue} DLQ?`))) {
          throw new Error(
            process.stdin.isTTY
              ? 'not purged'
              : 'refusing to purge without confirmation: pass --yes when not on a terminal',
          );
        }
        await purgeQueue(sqs, dlqUrl);
        out.result(
          { queue, purged: depth },
          () => `purged ${depth} message(s) from the ${queue} DLQ`,
        );
      });
    },
  );
}

export function dlqCommand(): Command {
  return new Command('dlq')
    .description(
      'dead-letter queues: list, peek, replay, purge. <queue> is the source queue: ' +
        `${QUEUE_NAMES.join(', ')}; --queue-url/--dlq-url override the URLs from the environment`,
    )
    .addCommand(listCommand())
    .addCommand(peekCommand())
    .addCommand(replayCommand())
    .addCommand(purgeCommand());
}
