import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { PermanentFailure, type MessageContext, type MessageHandler } from '@airlock/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import {
  createSqsClient,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  ensureQueueWithDlq,
  QueueConsumer,
  SqsMessagePublisher,
  type FailureRecord,
  type QueueConsumerOptions,
  type QueueUrls,
} from '../src/index.ts';

const region = process.env.AWS_REGION;
if (!region) throw new Error('AWS_REGION is not set: the jest global setup should have set it');
const sqs = createSqsClient({ region, endpoint: process.env.SQS_ENDPOINT });

afterAll(() => sqs.destroy());

type LogLine = Record<string, unknown>;

type Setup = QueueUrls & {
  name: string;
  logs: LogLine[];
  failures: FailureRecord[];
  /** A consumer whose messages are JSON strings. */
  consumer: (
    handler: MessageHandler<string>,
    options?: Partial<QueueConsumerOptions>,
  ) => QueueConsumer<string>;
  consumerOf: <Job>(schema: z.ZodType<Job>, handler: MessageHandler<Job>) => QueueConsumer<Job>;
  /** `airlock_queue_messages_total` by outcome, as the consumers' registry has it now. */
  outcomes: () => Promise<Record<string, number>>;
};

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Consumers close before their queues go.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh queue and DLQ (maxReceiveCount 3, visibility 5 s) and a factory of consumers on it. */
async function setup(): Promise<Setup> {
  const name = `test-consumer-${randomUUID().slice(0, 8)}`;
  const urls = await ensureQueueWithDlq(sqs, {
    name,
    maxReceiveCount: 3,
    retentionSeconds: 3600,
    dlqRetentionSeconds: 7200,
    visibilityTimeoutSeconds: 5,
  });
  cleanups.push(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: urls.url }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: urls.dlqUrl }));
  });
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const failures: FailureRecord[] = [];
  const registry = new Registry();
  const outcomes = async () => {
    const { values } = await registry.getSingleMetric('airlock_queue_messages_total')!.get();
    return Object.fromEntries(
      values
        .filter(({ labels }) => labels.queue === name)
        .map(({ labels, value }) => [String(labels.outcome), value]),
    );
  };
  const consumerOf = <Job>(
    schema: z.ZodType<Job>,
    handler: MessageHandler<Job>,
    options: Partial<QueueConsumerOptions> = {},
  ) => {
    const created = new QueueConsumer(
      {
        sqs,
        logger,
        schema,
        handler,
        onFailure: async (record) => void failures.push(record),
        registry,
      },
      {
        queue: name,
        queueUrl: urls.url,
        dlqUrl: urls.dlqUrl,
        visibilityTimeoutSeconds: 5,
        heartbeatIntervalSeconds: 2,
        // close() waits out the last long poll: keep it short in tests.
        waitTimeSeconds: 1,
        ...options,
      },
    );
    cleanups.push(() => created.close());
    return created;
  };
  const consumer: Setup['consumer'] = (handler, options) =>
    consumerOf(z.string(), handler, options);
  return { name, ...urls, logs, failures, consumer, consumerOf, outcomes };
}

/** Every test message is a JSON string: the consumers here parse bodies with `z.string()`. */
const text = (value: string) => JSON.stringify(value);

/** Polls `probe` until it returns something truthy. */
async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function messageCount(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
}

async function receiveOne(queueUrl: string): Promise<Message> {
  return waitFor(`a message on ${queueUrl}`, async () => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return Messages?.[0];
  });
}

type Call = { body: string; context: MessageContext; at: number };

/** A handler that records its calls and answers with `respond`. */
function recording(respond: (call: Call, calls: Call[]) => ReturnType<MessageHandler<string>>) {
  const calls: Call[] = [];
  const handler: MessageHandler<string> = (body, context) => {
    const call = { body, context, at: Date.now() };
    calls.push(call);
    return respond(call, calls);
  };
  return { calls, handler };
}

/** The SQS operations a client sends, each with its input, in order. */
function recordedClient() {
  const client = createSqsClient({ region: region!, endpoint: process.env.SQS_ENDPOINT });
  const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName!, input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize' },
  );
  cleanups.push(async () => client.destroy());
  return { client, sent };
}

const receiptHandlesDeleted = (sent: ReturnType<typeof recordedClient>['sent']) =>
  sent
    .filter((call) => call.command === 'DeleteMessageBatchCommand')
    .flatMap((call) =>
      (call.input.Entries as Array<{ ReceiptHandle: string }>).map((e) => e.ReceiptHandle),
    );

describe('QueueConsumer', () => {
  it('deletes finished messages together, ten at most to a DeleteMessageBatch, never one by one', async () => {
    const queue = await setup();
    const { client, sent } = recordedClient();
    const handled: string[] = [];
    const consumer = new QueueConsumer(
      {
        sqs: client,
        logger: pino({ level: 'silent' }),
        schema: z.string(),
        handler: async (body) => (handled.push(body), 'success'),
      },
      {
        queue: queue.name,
        queueUrl: queue.url,
        dlqUrl: queue.dlqUrl,
        waitTimeSeconds: 1,
        concurrency: 12,
        deleteLingerMs: 200,
      },
    );
    cleanups.push(() => consumer.close());
    const bodies = Array.from({ length: 12 }, (_, index) => `m${index}`);
    for (const start of [0, 10]) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: bodies
            .slice(start, start + 10)
            .map((body, index) => ({ Id: String(index), MessageBody: text(body) })),
        }),
      );
    }
    consumer.start();
    await waitFor('all deleted', async () => (await messageCount(queue.url)) === 0);
    expect(handled.sort()).toEqual([...bodies].sort());
    const commands = sent.map((call) => call.command);
    expect(commands).not.toContain('DeleteMessageCommand');
    const batches = sent.filter((call) => call.command === 'DeleteMessageBatchCommand');
    expect(batches.length).toBeLessThan(bodies.length);
    for (const batch of batches)
      expect((batch.input.Entries as unknown[]).length).toBeLessThanOrEqual(10);
    expect(receiptHandlesDeleted(sent)).toHaveLength(bodies.length);
  });

  it("never deletes a failed handler's message, whichever batch its siblings' deletes go in", async () => {
    const queue = await setup();
    const { client, sent } = recordedClient();
    const receipts = new Map<string, string[]>();
    const consumer = new QueueConsumer(
      {
        sqs: client,
        logger: pino({ level: 'silent' }),
        schema: z.string(),
        handler: async (body, context) => {
          if (body === 'fails' && context.receiveCount === 1) throw new Error('boom');
          if (body === 'retries' && context.receiveCount === 1) return 'retryLater';
          return 'success';
        },
      },
      {
        queue: queue.name,
        queueUrl: queue.url,
        dlqUrl: queue.dlqUrl,
        waitTimeSeconds: 1,
        deleteLingerMs: 300,
        retryDelaySeconds: () => 1,
      },
    );
    cleanups.push(() => consumer.close());
    // Which receipt handle each delivery had: from the receives the client made.
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as { Messages?: Message[] };
        for (const message of output.Messages ?? []) {
          const body = JSON.parse(message.Body!) as string;
          receipts.set(body, [...(receipts.get(body) ?? []), message.ReceiptHandle!]);
        }
        return result;
      },
      { step: 'initialize' },
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: ['ok1', 'fails', 'retries', 'ok2'].map((body, index) => ({
          Id: String(index),
          MessageBody: text(body),
        })),
      }),
    );
    consumer.start();
    await waitFor('all four settled', async () => (await messageCount(queue.url)) === 0);
    const deleted = receiptHandlesDeleted(sent);
    // The failed first deliveries were never deleted; their second ones were.
    for (const body of ['fails', 'retries']) {
      const [first, second] = receipts.get(body)!;
      expect(deleted).not.toContain(first);
      expect(deleted).toContain(second);
    }
    for (const body of ['ok1', 'ok2']) expect(deleted).toContain(receipts.get(body)![0]);
  });

  it('hands the handler the job parsed against the schema and deletes it on success', async () => {
    const queue = await setup();
    const calls: Array<{ job: { hello: string; count: number }; context: MessageContext }> = [];
    const schema = z.object({ hello: z.string(), count: z.number().default(1) });
    const consumer = queue.consumerOf(schema, async (job, context) => {
      calls.push({ job, context });
      return 'success';
    });
    consumer.start();
    consumer.start();

    const messageId = await new SqsMessagePublisher({ sqs }, { queueUrl: queue.url }).publish({
      hello: 'world',
    });

    await waitFor('the message to be deleted', async () => (await messageCount(queue.url)) === 0);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.job).toEqual({ hello: 'world', count: 1 });
    expect(calls[0]!.context).toEqual({ queue: queue.name, messageId, receiveCount: 1 });
    expect(queue.failures).toEqual([]);
    expect(await queue.outcomes()).toEqual({ done: 1, retried: 0, dead_lettered: 0, permanent: 0 });
    await consumer.close(); // its batched delete answered
    expect(queue.logs.filter((line) => Number(line.level) >= 40)).toEqual([]);
  });

  it('brings a retryLater message back after the default backoff (2 s), with receiveCount 2', async () => {
    const queue = await setup();
    const { calls, handler } = recording(async (call) =>
      call.context.receiveCount === 1 ? 'retryLater' : 'success',
    );
    queue.consumer(handler).start();
    const { MessageId } = await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('flaky') }),
    );

    await waitFor('the second delivery', () => calls.length === 2);
    await waitFor('the message to be deleted', async () => (await messageCount(queue.url)) === 0);
    expect(calls.map((call) => call.context.receiveCount)).toEqual([1, 2]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1_900);
    expect(queue.failures).toEqual([
      {
        queue: queue.name,
        messageId: MessageId,
        receiveCount: 1,
        error: 'handler returned retryLater',
        permanent: false,
        body: text('flaky'),
        at: expect.any(Date),
      },
    ]);
    expect(queue.logs.filter((line) => line.msg === 'message failed: will retry')).toEqual([
      expect.objectContaining({
        queue: queue.name,
        messageId: MessageId,
        receiveCount: 1,
        error: 'handler returned retryLater',
      }),
    ]);
    expect(await messageCount(queue.dlqUrl)).toBe(0);
  });

  it('lets the RedrivePolicy move a message that always throws to the DLQ after maxReceiveCount', async () => {
    const queue = await setup();
    const { calls, handler } = recording(async () => {
      throw new Error('postgres unreachable');
    });
    queue.consumer(handler, { retryDelaySeconds: () => 0 }).start();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('doomed') }));

    const dead = await receiveOne(queue.dlqUrl);
    expect(dead.Body).toBe(text('doomed'));
    expect(calls.map((call) => call.context.receiveCount)).toEqual([1, 2, 3]);
    expect(
      queue.failures.map(({ receiveCount, error, permanent }) => [receiveCount, error, permanent]),
    ).toEqual([
      [1, 'postgres unreachable', false],
      [2, 'postgres unreachable', false],
      [3, 'postgres unreachable', false],
    ]);
    expect(await messageCount(queue.url)).toBe(0);
    // The third receive was the last the RedrivePolicy allows: a dead letter, not a retry.
    await waitFor('the count', async () => (await queue.outcomes()).dead_lettered === 1);
    expect(await queue.outcomes()).toEqual({ done: 0, retried: 2, dead_lettered: 1, permanent: 0 });
  });

  it('sends a PermanentFailure to the DLQ at once, with its reason, and deletes the original', async () => {
    const queue = await setup();
    const { calls, handler } = recording(async () => {
      throw new PermanentFailure('unknown_upload', 'no such upload');
    });
    queue.consumer(handler).start();
    const before = Date.now();
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: text('poison'),
        MessageAttributes: { 'trace-id': { DataType: 'String', StringValue: 'abc' } },
      }),
    );

    const dead = await receiveOne(queue.dlqUrl);
    expect(dead.Body).toBe(text('poison'));
    const attributes = Object.fromEntries(
      Object.entries(dead.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue]),
    );
    expect(attributes).toEqual({
      'trace-id': 'abc',
      'airlock-source-queue': queue.name,
      'airlock-error': 'unknown_upload: no such upload',
      'airlock-failed-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'airlock-receive-count': '1',
      'airlock-permanent': 'true',
    });
    expect(Date.parse(attributes['airlock-failed-at']!)).toBeGreaterThanOrEqual(before);
    expect(dead.MessageAttributes?.['airlock-receive-count']?.DataType).toBe('Number');

    await waitFor('the original to be deleted', async () => (await messageCount(queue.url)) === 0);
    await waitFor('onFailure', () => queue.failures.length === 1);
    // Counted as the message is settled, just after onFailure.
    await waitFor('the count', async () => (await queue.outcomes()).permanent === 1);
    expect(await queue.outcomes()).toEqual({ done: 0, retried: 0, dead_lettered: 0, permanent: 1 });
    expect(calls).toHaveLength(1);
    expect(queue.failures[0]).toMatchObject({
      messageId: MessageId,
      receiveCount: 1,
      error: 'unknown_upload: no such upload',
      permanent: true,
      body: text('poison'),
    });
  });

  it.each([
    ['not JSON', '{oops', 'unparseable_message: the message body is not JSON'],
    ['JSON that fails the schema', '{"uploadId":42}', 'invalid_message: '],
  ])(
    'dead-letters a body that is %s at once, as a PermanentFailure, without calling the handler',
    async (_label, body, error) => {
      const queue = await setup();
      const { calls, handler } = recording(async () => 'success');
      queue.consumer(handler).start();
      const { MessageId } = await sqs.send(
        new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }),
      );

      const dead = await receiveOne(queue.dlqUrl);
      expect(dead.Body).toBe(body);
      expect(dead.MessageAttributes?.['airlock-error']?.StringValue?.startsWith(error)).toBe(true);
      expect(dead.MessageAttributes?.['airlock-permanent']?.StringValue).toBe('true');
      await waitFor(
        'the original to be deleted',
        async () => (await messageCount(queue.url)) === 0,
      );
      await waitFor('onFailure', () => queue.failures.length === 1);
      expect(calls).toHaveLength(0);
      expect(queue.failures[0]).toMatchObject({
        messageId: MessageId,
        receiveCount: 1,
        permanent: true,
        body,
      });
      expect(queue.failures[0]!.error.startsWith(error)).toBe(true);
      expect(queue.logs.map((line) => line.msg)).toContain(
        'message failed permanently: sent to the DLQ',
      );
    },
  );

  it('handles at most `concurrency` messages of a batch at once', async () => {
    const queue = await setup();
    let active = 0;
    let maxActive = 0;
    const { calls, handler } = recording(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(150);
      active--;
      return 'success';
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: `m${i}`,
          MessageBody: text(`m${i}`),
        })),
      }),
    );
    const consumer = queue.consumer(handler, { concurrency: 2 });
    consumer.start();

    await waitFor('all ten deleted', async () => (await messageCount(queue.url)) === 0);
    expect(new Set(calls.map((call) => call.body)).size).toBe(10);
    expect(maxActive).toBe(2);
    expect(consumer.inFlight).toBe(0);
  });

  it('receives again while a slow message runs, never holding more than `concurrency`', async () => {
    const queue = await setup();
    let active = 0;
    let maxActive = 0;
    const done: string[] = [];
    const { handler } = recording(async ({ body }) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(body === 'slow' ? 4_000 : 100);
      active--;
      done.push(body);
      return 'success';
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('slow') }));
    const consumer = queue.consumer(handler, { concurrency: 4, batchSize: 2 });
    consumer.start();
    await waitFor('the slow message to start', () => active === 1);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: Array.from({ length: 6 }, (_, i) => ({
          Id: `f${i}`,
          MessageBody: text(`fast-${i}`),
        })),
      }),
    );

    await waitFor('all six fast messages', () => done.filter((b) => b !== 'slow').length === 6);
    expect(done).not.toContain('slow');
    expect(maxActive).toBeLessThanOrEqual(4);
    await waitFor('the slow one too', () => done.includes('slow'));
  });

  it('keeps a message invisible while a handler runs past the visibility timeout', async () => {
    const queue = await setup();
    const { calls, handler } = recording(async () => {
      await sleep(4_000);
      return 'success';
    });
    const options = { visibilityTimeoutSeconds: 2, heartbeatIntervalSeconds: 1 };
    // Two replicas: the second would get the message if its visibility lapsed.
    const first = queue.consumer(handler, options);
    first.start();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('large') }));
    await waitFor('the first delivery', () => calls.length === 1);
    queue.consumer(handler, options).start();

    await waitFor('the message to be deleted', async () => (await messageCount(queue.url)) === 0);
    expect(calls).toHaveLength(1);
    expect(queue.failures).toEqual([]);
  });

  it("does not let a slow sibling's heartbeat hold back a failed message's retry", async () => {
    const queue = await setup();
    const slowDone = Promise.withResolvers<void>();
    const { calls, handler } = recording(async (call) => {
      if (call.body === 'slow') {
        await sleep(4_000);
        slowDone.resolve();
        return 'success';
      }
      return call.context.receiveCount === 1 ? 'retryLater' : 'success';
    });
    const options = {
      visibilityTimeoutSeconds: 2,
      heartbeatIntervalSeconds: 1,
      // Not 0: a zero timeout releases the message (its receipt handle is then
      // void), so only a delay can be extended by a late heartbeat.
      retryDelaySeconds: () => 1,
    };
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'slow', MessageBody: text('slow') },
          { Id: 'flaky', MessageBody: text('flaky') },
        ],
      }),
    );
    // One receive takes both; the other replica gets the retry while `slow` still runs.
    queue.consumer(handler, options).start();
    await waitFor('both handled once', () => calls.length === 2);
    queue.consumer(handler, options).start();

    const retried = await waitFor('the retry', () =>
      calls.find((call) => call.body === 'flaky' && call.context.receiveCount === 2),
    );
    let slowFinished = false;
    void slowDone.promise.then(() => (slowFinished = true));
    expect(slowFinished).toBe(false);
    expect(retried.at - calls[0]!.at).toBeLessThan(2_500);
    await waitFor('both deleted', async () => (await messageCount(queue.url)) === 0);
  });

  it('close() waits for the in-flight handler, still deletes its message, and is memoised', async () => {
    const queue = await setup();
    const release = Promise.withResolvers<void>();
    const { calls, handler } = recording(async () => {
      await release.promise;
      return 'success';
    });
    const consumer = queue.consumer(handler);
    // Runs first if an expectation fails: a handler left hanging keeps its heartbeat going.
    cleanups.push(async () => release.resolve());
    consumer.start();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('in flight') }));
    await waitFor('the handler to start', () => calls.length === 1);

    let closed = false;
    const closing = consumer.close();
    void closing.then(() => (closed = true));
    expect(consumer.close()).toBe(closing);
    await sleep(300); // nothing to wait on: the absence of an event is what is tested
    expect(closed).toBe(false);
    expect(consumer.inFlight).toBe(1);

    release.resolve();
    await closing;
    expect(consumer.inFlight).toBe(0);
    expect(await messageCount(queue.url)).toBe(0);
    await expect(consumer.close()).resolves.toBeUndefined();
  });

  it('close() lets the last long poll finish and strands nothing it brings back', async () => {
    const queue = await setup();
    const handled: string[] = [];
    const consumer = queue.consumer(async (body) => (handled.push(body), 'success'), {
      waitTimeSeconds: 2,
    });
    consumer.start();
    await sleep(300); // let the long poll begin
    const started = Date.now();
    const closing = consumer.close();
    // Arrives while the last poll is still open: released, not hidden for a visibility timeout.
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('late') }));
    await closing;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(handled).toEqual([]);
    const late = await receiveOne(queue.url);
    expect(late.Body).toBe(text('late'));
    expect(Date.now() - started).toBeLessThan(4_000);
    consumer.start(); // ignored once closed
    await sleep(100);
    expect(queue.logs.map((line) => line.msg)).toContain('start() after close() ignored');
  });
});

// Issue 12, finding 16: a SIGKILLed worker's messages come back within the
// default visibility timeout (10 s, extended every 3 s while a handler runs),
// not a minute later; the same bounds a message an emulator hands to the dead
// process's still-open long poll. Measured against fauxqs with a real child process.
describe('after a worker is SIGKILLed (default visibility timeout and heartbeat)', () => {
  const stuckWorker = fileURLToPath(new URL('./support/stuck-worker.ts', import.meta.url));
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  function startStuckWorker(queue: QueueUrls, succeed = false) {
    const child = spawn(process.execPath, [stuckWorker], {
      env: {
        ...process.env,
        STUCK_QUEUE_URL: queue.url,
        STUCK_DLQ_URL: queue.dlqUrl,
        STUCK_SUCCEED: String(succeed),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines: Array<{ polling?: true; took?: string }> = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
    return { child, lines };
  }

  /** Starts a fresh consumer (as a restart would) and resolves with when it handled a body. */
  function restart(queue: Setup) {
    const handled: Array<{ body: string; at: number; receiveCount: number }> = [];
    queue
      .consumer(
        async (body, context: MessageContext) => {
          handled.push({ body, at: Date.now(), receiveCount: context.receiveCount });
          return 'success';
        },
        {
          visibilityTimeoutSeconds: DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
          heartbeatIntervalSeconds: DEFAULT_HEARTBEAT_SECONDS,
        },
      )
      .start();
    return handled;
  }

  it('a message it was working on is handled again within 15 s of the restart', async () => {
    const queue = await setup();
    const worker = startStuckWorker(queue);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('mid-flight') }),
    );
    await waitFor('the worker to take it', () => worker.lines.some((l) => l.took === 'mid-flight'));
    // Long enough for heartbeats to have extended it: those cannot outlive the process either.
    await sleep((DEFAULT_HEARTBEAT_SECONDS + 1) * 1000);
    worker.child.kill('SIGKILL');
    await once(worker.child, 'exit');
    const restartedAt = Date.now();
    const handled = restart(queue);
    const [again] = await waitFor(
      'the message again',
      () => (handled.length ? handled : undefined),
      20_000,
    );
    expect(again).toMatchObject({ body: 'mid-flight', receiveCount: 2 });
    const resumedAfter = again!.at - restartedAt;
    console.info(`mid-flight message handled ${resumedAfter} ms after the restart`);
    expect(resumedAfter).toBeLessThan(15_000);
    await waitFor('it deleted', async () => (await messageCount(queue.url)) === 0);
  });

  it('a message whose handler succeeded but whose batched delete was not sent yet comes back, and the replay is absorbed', async () => {
    const queue = await setup();
    const worker = startStuckWorker(queue, true);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('done') }));
    await waitFor('the worker to succeed', () => worker.lines.some((l) => l.took === 'done'));
    // Its delete waits 5 s for siblings: killed before it is sent.
    worker.child.kill('SIGKILL');
    await once(worker.child, 'exit');
    // An idempotent handler, as every worker's is: the effect is applied once per body.
    const applied = new Set<string>(['done']);
    const replays: number[] = [];
    queue
      .consumer(async (body, context) => {
        if (applied.has(body)) replays.push(context.receiveCount);
        applied.add(body);
        return 'success';
      })
      .start();
    await waitFor('the replay', () => replays.length === 1, 20_000);
    // 2, or 3 when the dead worker's still-open long poll took it once more (see below).
    expect(replays[0]).toBeGreaterThanOrEqual(2);
    expect([...applied]).toEqual(['done']);
    await waitFor('the replay deleted', async () => (await messageCount(queue.url)) === 0);
  });

  it('a message its dead long poll took is handled within 15 s', async () => {
    const queue = await setup();
    const worker = startStuckWorker(queue);
    await waitFor('the worker to poll', () => worker.lines.some((l) => l.polling));
    await sleep(500); // the receive is open at the emulator
    worker.child.kill('SIGKILL');
    await once(worker.child, 'exit');
    const sentAt = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: text('swallowed') }));
    await sleep(200);
    const handled = restart(queue);
    const [again] = await waitFor(
      'the message',
      () => (handled.length ? handled : undefined),
      20_000,
    );
    expect(again!.body).toBe('swallowed');
    // fauxqs does not notice the closed connection: the dead poll received it first.
    expect(again!.receiveCount).toBe(2);
    const resumedAfter = again!.at - sentAt;
    console.info(`message taken by a dead long poll handled ${resumedAfter} ms after it was sent`);
    expect(resumedAfter).toBeLessThan(15_000);
  });
});
