/**
 * A worker to SIGKILL: a QueueConsumer with the default visibility timeout,
 * heartbeat and long poll, whose handler never finishes (messages are JSON strings). Prints one JSON line
 * when it polls and one per message it takes. With STUCK_SUCCEED=true its
 * handler succeeds at once instead and its deletes wait 5 s for a batch: a
 * kill then lands between a handler's success and the delete. Run by queue-consumer.test.ts.
 */
import { pino } from 'pino';
import { z } from 'zod';
import { createSqsClient, QueueConsumer } from '../../src/index.ts';

const queueUrl = process.env.STUCK_QUEUE_URL!;
const succeed = process.env.STUCK_SUCCEED === 'true';
const consumer = new QueueConsumer(
  {
    sqs: createSqsClient({ region: process.env.AWS_REGION!, endpoint: process.env.SQS_ENDPOINT }),
    logger: pino({ level: 'silent' }),
    schema: z.string(),
    handler: (body) => {
      console.log(JSON.stringify({ took: body }));
      return succeed ? Promise.resolve('success') : new Promise(() => {});
    },
  },
  {
    queue: 'stuck',
    queueUrl,
    dlqUrl: process.env.STUCK_DLQ_URL!,
    ...(succeed ? { deleteLingerMs: 5000 } : {}),
  },
);
consumer.start();
console.log(JSON.stringify({ polling: true }));
