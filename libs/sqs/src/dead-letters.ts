import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Attributes the consumer adds to a dead letter's copy; not sent back on replay. */
const DLQ_ATTRIBUTE_PREFIX = 'airlock-';
/** Seconds a peeked message stays hidden before it is released (it is released at once). */
const PEEK_VISIBILITY_SECONDS = 30;
const MAX_BATCH = 10;

export type DeadLetter = {
  readonly messageId: string;
  readonly body: string;
  /** Deliveries so far, including peeks of the DLQ. */
  readonly receiveCount: number;
  /** When the message was put on the DLQ. */
  readonly sentAt: Date | undefined;
  /** String values of the message attributes, `airlock-*` included. */
  readonly attributes: Readonly<Record<string, string>>;
};

export type DlqStats = {
  /** ApproximateNumberOfMessages (visible) plus the ones in flight. */
  readonly depth: number;
  readonly visible: number;
  readonly inFlight: number;
  /** Age of the oldest message seen by a peek, in seconds; undefined when none was seen. */
  readonly oldestAgeSeconds: number | undefined;
};

export type ReplayOptions = {
  readonly dlqUrl: string;
  readonly sourceUrl: string;
  /** Messages to replay; others are released untouched. */
  readonly filter?: (message: DeadLetter) => boolean;
  /** At most this many replayed. @defaultValue unlimited */
  readonly limit?: number;
  /** After each replayed message, with the count so far. */
  readonly onProgress?: (replayed: number) => void;
};

export type ReplayResult = { readonly replayed: number; readonly skipped: number };

function toDeadLetter(message: Message): DeadLetter {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const sent = message.Attributes?.SentTimestamp;
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: sent ? new Date(Number(sent)) : undefined,
    attributes,
  };
}

async function receive(sqs: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(Math.max(max, 1), MAX_BATCH),
      VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}

/** Makes received messages visible again at once. Best effort: they reappear after the peek timeout anyway. */
async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += MAX_BATCH) {
    const batch = messages.slice(i, i + MAX_BATCH);
    if (batch.length === 0) continue;
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => {});
  }
}

/**
 * Receives up to `limit` messages without consuming them, then releases them.
 * Receiving raises their receive count; a DLQ has no redrive, so that is harmless.
 */
export async function peekDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  limit: number,
): Promise<DeadLetter[]> {
  const held: Message[] = [];
  try {
    while (held.length < limit) {
      const batch = await receive(sqs, dlqUrl, limit - held.length);
      if (batch.length === 0) break;
      held.push(...batch);
    }
  } finally {
    await release(sqs, dlqUrl, held);
  }
  return held.map(toDeadLetter);
}

/** Depth and the oldest message's age (SQS has no such attribute; it comes from a peek). */
export async function dlqStats(sqs: SQSClient, dlqUrl: string, peekLimit = 10): Promise<DlqStats> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const visible = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  let oldestAgeSeconds: number | undefined;
  if (visible > 0) {
    const now = Date.now();
    for (const message of await peekDeadLetters(sqs, dlqUrl, peekLimit)) {
      if (!message.sentAt) continue;
      const age = Math.max(0, Math.round((now - message.sentAt.getTime()) / 1000));
      if (oldestAgeSeconds === undefined || age > oldestAgeSeconds) oldestAgeSeconds = age;
    }
  }
  return { depth: visible + inFlight, visible, inFlight, oldestAgeSeconds };
}

function forwarded(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  const kept = Object.entries(attributes ?? {}).filter(
    ([name]) => !name.startsWith(DLQ_ATTRIBUTE_PREFIX),
  );
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/**
 * Moves dead letters back to their source queue: each is sent first, then
 * deleted from the DLQ, so a crash in between duplicates rather than loses it
 * (handlers are idempotent). Messages the filter rejects are released.
 */
export async function replayDeadLetters(
  sqs: SQSClient,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const skippedIds = new Set<string>();
  const held: Message[] = [];
  let replayed = 0;
  try {
    while (replayed < limit) {
      const batch = await receive(sqs, options.dlqUrl, MAX_BATCH);
      if (batch.length === 0) break;
      let fresh = 0;
      for (const message of batch) {
        const letter = toDeadLetter(message);
        if (replayed >= limit || (options.filter && !options.filter(letter))) {
          if (!skippedIds.has(letter.messageId)) fresh += 1;
          skippedIds.add(letter.messageId);
          held.push(message);
          continue;
        }
        fresh += 1;
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: options.sourceUrl,
            MessageBody: message.Body ?? '',
            MessageAttributes: forwarded(message.MessageAttributes),
          }),
        );
        await sqs.send(
          new DeleteMessageCommand({
            QueueUrl: options.dlqUrl,
            ReceiptHandle: message.ReceiptHandle,
          }),
        );
        replayed += 1;
        options.onProgress?.(replayed);
      }
      // Only messages seen before came back: the rest are hidden by this run.
      if (fresh === 0) break;
    }
  } finally {
    await release(sqs, options.dlqUrl, held);
  }
  return { replayed, skipped: skippedIds.size };
}

/** Deletes every message on the queue (SQS allows one purge per queue a minute). */
export async function purgeQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
}
