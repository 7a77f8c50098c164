import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export type QueueDepth = {
  /** Messages waiting to be received. */
  readonly maxWaiting: number;
  readonly meanWaiting: number;
  /** Messages received and not yet deleted: in a worker's batch, running or queued behind it. */
  readonly maxInFlight: number;
  readonly meanInFlight: number;
};

/**
 * Polls each queue's approximate depth while the pipeline runs: where
 * messages pile up is where the next bottleneck is.
 */
export function sampleQueues(
  sqs: SQSClient,
  queues: Readonly<Record<string, string>>,
  intervalMs = 250,
): { stop(): Promise<Record<string, QueueDepth>> } {
  const samples: Record<string, { waiting: number; inFlight: number }[]> = Object.fromEntries(
    Object.keys(queues).map((name) => [name, []]),
  );
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(
        Object.entries(queues).map(async ([name, url]) => {
          const { Attributes = {} } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: url,
              AttributeNames: [
                'ApproximateNumberOfMessages',
                'ApproximateNumberOfMessagesNotVisible',
              ],
            }),
          );
          samples[name]!.push({
            waiting: Number(Attributes.ApproximateNumberOfMessages ?? 0),
            inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          });
        }),
      ).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const mean = (values: number[]) =>
        values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
      return Object.fromEntries(
        Object.entries(samples).map(([name, list]) => [
          name,
          {
            maxWaiting: Math.max(0, ...list.map((s) => s.waiting)),
            meanWaiting: mean(list.map((s) => s.waiting)),
            maxInFlight: Math.max(0, ...list.map((s) => s.inFlight)),
            meanInFlight: mean(list.map((s) => s.inFlight)),
          },
        ]),
      );
    },
  };
}
