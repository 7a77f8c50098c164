/**
 * The local stack's AWS: an S3 emulator that checks SigV4 for real
 * (@20minutes/s3rver, completed in s3-emulator.ts), an SQS emulator with redrive DLQs (fauxqs), and the
 * bucket → queue notification that real S3 would deliver, and a receiver of
 * the apps' traces (OTLP/HTTP, otlp-receiver.ts). Started by
 * `airlock dev up`; prints one JSON line with the queue URLs when ready.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { createSqsClient, ensureQueueWithDlq, type QueueUrls } from '@airlock/sqs';
import { startOtlpReceiver } from './otlp-receiver.ts';
import { createS3Emulator } from './s3-emulator.ts';
import { s3TestEvent, toS3Notification, type EmulatorEvent } from './s3-event-envelope.ts';
import { stackSettings } from './stack-settings.ts';
import { uploadCorsRule } from './upload-cors.ts';

const settings = stackSettings();
mkdirSync(settings.run, { recursive: true });

const sqsServer = buildApp({ logger: false });
await sqsServer.listen({ port: settings.ports.sqs, host: settings.bindHost });

const sqsEndpoint = `http://${settings.publicHost}:${settings.ports.sqs}`;
const sqs = createSqsClient({ region: settings.region, endpoint: sqsEndpoint });
// fauxqs names queues sqs.<region>.localhost, which not every resolver knows;
// it finds a queue by its path alone, so hand out loopback URLs instead.
const onLoopback = (url: string) => `${sqsEndpoint}${new URL(url).pathname}`;
const queues: Record<string, QueueUrls> = {};
for (const name of settings.queues) {
  const urls = await ensureQueueWithDlq(sqs, {
    name,
    maxReceiveCount: settings.maxReceiveCount,
    retentionSeconds: 4 * 24 * 3600,
    dlqRetentionSeconds: 14 * 24 * 3600,
    // As the consumers' receives (libs/sqs DEFAULT_VISIBILITY_TIMEOUT_SECONDS).
    visibilityTimeoutSeconds: 10,
  });
  queues[name] = { url: onLoopback(urls.url), dlqUrl: onLoopback(urls.dlqUrl) };
}

// Pages send files straight to the uploads bucket, as deployed (infra/src/storage.ts).
const uploadsCors = uploadCorsRule(settings.corsOrigins);
const s3Server = await createS3Emulator({
  address: settings.bindHost,
  port: settings.ports.s3,
  directory: join(settings.home, 's3'),
  incoming: join(settings.home, 's3-incoming'),
  buckets: Object.values(settings.buckets),
  cors: uploadsCors ? { [settings.buckets.uploads]: uploadsCors } : {},
});

// Tests watch the sandbox's events without racing the pipeline's workers; they
// are kept ten minutes, since nothing consumes them.
const sandboxEvents = await sqs.send(
  new CreateQueueCommand({
    QueueName: 'sandbox-events',
    Attributes: { MessageRetentionPeriod: '600' },
  }),
);
const sandboxEventsUrl = onLoopback(sandboxEvents.QueueUrl!);

// The notification configuration: ObjectCreated:* on each bucket → its queue.
const notifications = new Map([
  [settings.buckets.uploads, queues['upload-events']!.url],
  [settings.buckets.sandbox, sandboxEventsUrl],
]);

/**
 * S3 hands its notifications to SQS inside AWS: here too, in process through
 * fauxqs's own request handling, without the SDK client's signing and a
 * socket on each side (about a tenth of the emulators' CPU per upload).
 */
async function sendNotification(queueUrl: string, body: string): Promise<void> {
  const response = await sqsServer.inject({
    method: 'POST',
    url: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AmazonSQS.SendMessage',
    },
    payload: JSON.stringify({ QueueUrl: queueUrl, MessageBody: body }),
  });
  if (response.statusCode !== 200)
    throw new Error(`SendMessage answered ${response.statusCode}: ${response.body}`);
}

async function deliver(queueUrl: string, body: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sendNotification(queueUrl, body);
      return;
    } catch (error) {
      if (attempt >= 5) {
        console.error(JSON.stringify({ msg: 'notification lost', error: String(error), body }));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

s3Server.on('event', (event: EmulatorEvent) => {
  const bucket = event.Records[0]?.s3.bucket.name;
  const queueUrl = bucket ? notifications.get(bucket) : undefined;
  const body = toS3Notification(event, {
    region: settings.region,
    configurationId: 'airlock-upload-events',
  });
  if (queueUrl && body) void deliver(queueUrl, body);
});

await s3Server.run();
const otlpReceiver = await startOtlpReceiver(settings.bindHost, settings.ports.otlp);
for (const [bucket, queueUrl] of notifications) await deliver(queueUrl, s3TestEvent(bucket));

const ready = {
  s3Endpoint: `http://${settings.publicHost}:${settings.ports.s3}`,
  sqsEndpoint,
  queues,
  sandboxEventsUrl,
  otlpEndpoint: `http://${settings.publicHost}:${settings.ports.otlp}`,
};
writeFileSync(join(settings.run, 'emulators.json'), JSON.stringify(ready, null, 2));
console.log(JSON.stringify({ msg: 'emulators ready', ...ready }));

const stop = async () => {
  await Promise.allSettled([s3Server.close(), sqsServer.close(), otlpReceiver.close()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
