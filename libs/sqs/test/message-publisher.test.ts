import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { createSqsClient, ensureQueueWithDlq, SqsMessagePublisher } from '../src/index.ts';

const region = process.env.AWS_REGION;
if (!region) throw new Error('AWS_REGION is not set: the jest global setup should have set it');

/** A client that records the SQS operations it sends. */
function recordedClient() {
  const client = createSqsClient({ region: region!, endpoint: process.env.SQS_ENDPOINT });
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => (commands.push(context.commandName!), next(args)),
    { step: 'initialize' },
  );
  return { client, commands };
}

const { client: sqs, commands } = recordedClient();
let queueUrl: string;

beforeAll(async () => {
  ({ url: queueUrl } = await ensureQueueWithDlq(sqs, {
    name: `test-publisher-${randomUUID().slice(0, 8)}`,
    maxReceiveCount: 3,
    retentionSeconds: 600,
    dlqRetentionSeconds: 600,
    visibilityTimeoutSeconds: 5,
  }));
});

afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  sqs.destroy();
});

async function receiveAll(count: number): Promise<Message[]> {
  const received: Message[] = [];
  for (let round = 0; round < 20 && received.length < count; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    received.push(...Messages);
  }
  return received;
}

describe('SqsMessagePublisher with batchLingerMs', () => {
  it('sends messages published together in SendMessageBatch requests, each publish resolving with its own MessageId', async () => {
    const publisher = new SqsMessagePublisher({ sqs }, { queueUrl, batchLingerMs: 50 });
    commands.length = 0;
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, index) => publisher.publish({ job: index })),
    );
    expect(commands).toEqual(['SendMessageBatchCommand', 'SendMessageBatchCommand']);
    expect(new Set(ids).size).toBe(12);
    const received = await receiveAll(12);
    expect(received.map((message) => message.MessageId).sort()).toEqual([...ids].sort());
    expect(received.map((message) => JSON.parse(message.Body!).job).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, index) => index),
    );
  });

  it('rejects every publish of a batch SQS refused, so no caller goes on as if it were sent', async () => {
    const publisher = new SqsMessagePublisher(
      { sqs },
      { queueUrl: `${queueUrl}-missing`, batchLingerMs: 20 },
    );
    const outcomes = await Promise.allSettled([
      publisher.publish({ a: 1 }),
      publisher.publish({ b: 2 }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('sends one SendMessage each without a linger (the default)', async () => {
    const publisher = new SqsMessagePublisher({ sqs }, { queueUrl });
    commands.length = 0;
    await Promise.all([publisher.publish({ c: 1 }), publisher.publish({ c: 2 })]);
    expect(commands).toEqual(['SendMessageCommand', 'SendMessageCommand']);
    expect(await receiveAll(2)).toHaveLength(2);
  });
});
