import type { SQSClient } from '@aws-sdk/client-sqs';
import { OPS_QUEUES, type OpsQueue } from '@airlock/config';
import { parseS3Notification } from '@airlock/core';
import {
  PgMessageFailures,
  PgUploadRepository,
  PgWebhookOutbox,
  type Pool,
} from '@airlock/postgres';
import {
  dlqStats,
  peekDeadLetters,
  purgeQueue,
  replayDeadLetters,
  type DeadLetter,
} from '@airlock/sqs';
import { isUuid } from '../uuid.ts';
import type { OnProgress } from './progress.ts';

/** A source queue, by the name operators use, and the URLs of it and its DLQ. */
export type QueueUrls = { readonly queue: OpsQueue; readonly url: string; readonly dlqUrl: string };

export type DlqRow = {
  queue: OpsQueue;
  dlqUrl: string;
  depth: number;
  /** Of the oldest of up to 10 peeked messages. */
  oldestAgeSeconds: number | null;
};

export type DecodedLetter = {
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

/** Every DLQ with its depth and its oldest message's age, in `OPS_QUEUES` order. */
export async function listDeadLetterQueues(
  sqs: SQSClient,
  dlqUrlOf: (queue: OpsQueue) => string,
): Promise<DlqRow[]> {
  const rows: DlqRow[] = [];
  for (const queue of OPS_QUEUES) {
    const dlqUrl = dlqUrlOf(queue);
    const stats = await dlqStats(sqs, dlqUrl);
    rows.push({
      queue,
      dlqUrl,
      depth: stats.depth,
      oldestAgeSeconds: stats.oldestAgeSeconds ?? null,
    });
  }
  return rows;
}

/**
 * The upload a message is about: jobs name it; webhook jobs name their
 * delivery, S3 notifications the object, each found in the database.
 */
export async function uploadOfMessage(
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

async function decode(queue: OpsQueue, letter: DeadLetter, pool: Pool): Promise<DecodedLetter> {
  const { uploadId, stage } = await uploadOfMessage(letter.body, pool);
  const failure = await new PgMessageFailures({ pool }).find(queue, letter.messageId);
  const attrs = letter.attributes;
  const attrCount = Number(attrs['airlock-receive-count']);
  return {
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
  };
}

/** Up to `limit` dead letters of a queue, decoded, left where they were. */
export async function peekDeadLetterQueue(
  deps: { sqs: SQSClient; pool: Pool },
  target: Pick<QueueUrls, 'queue' | 'dlqUrl'>,
  limit: number,
): Promise<DecodedLetter[]> {
  const letters = await peekDeadLetters(deps.sqs, target.dlqUrl, limit);
  const decoded: DecodedLetter[] = [];
  for (const letter of letters) decoded.push(await decode(target.queue, letter, deps.pool));
  return decoded;
}

/**
 * Dead letters back to their source queue (sent, then deleted: nothing lost
 * halfway); the handlers are idempotent. `uploadId`: only that upload's.
 */
export async function replayDeadLetterQueue(
  deps: { sqs: SQSClient; pool: Pool },
  target: QueueUrls,
  options: { uploadId?: string | undefined; limit?: number | undefined },
  onProgress: OnProgress = () => {},
): Promise<{ replayed: number; skipped: number }> {
  // Uploads are matched up front (S3 notifications need a lookup); the filter is sync.
  const matching = new Set<string>();
  if (options.uploadId) {
    for (const letter of await peekDeadLetters(deps.sqs, target.dlqUrl, 1000)) {
      const { uploadId } = await uploadOfMessage(letter.body, deps.pool);
      if (uploadId === options.uploadId) matching.add(letter.messageId);
    }
  }
  const total = options.uploadId
    ? Math.min(matching.size, options.limit ?? Infinity)
    : (options.limit ?? (await dlqStats(deps.sqs, target.dlqUrl, 0)).depth);
  onProgress(0, total);
  return replayDeadLetters(deps.sqs, {
    dlqUrl: target.dlqUrl,
    sourceUrl: target.url,
    limit: options.limit,
    filter: options.uploadId ? (letter) => matching.has(letter.messageId) : undefined,
    onProgress: (replayed) => onProgress(replayed, total),
  });
}

/**
 * Empties a DLQ once `confirm` agrees, given its depth; the number of
 * messages purged, or `undefined` when not confirmed.
 */
export async function purgeDeadLetterQueue(
  sqs: SQSClient,
  dlqUrl: string,
  confirm: (depth: number) => Promise<boolean>,
): Promise<number | undefined> {
  const { depth } = await dlqStats(sqs, dlqUrl, 0);
  if (!(await confirm(depth))) return undefined;
  await purgeQueue(sqs, dlqUrl);
  return depth;
}
