import type { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { z } from 'zod';
import {
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  defaultRetryDelaySeconds,
  QueueConsumer,
} from './queue-consumer.ts';

describe('defaultRetryDelaySeconds', () => {
  it('doubles with every receive: 2 s after the first, 4 s after the second', () => {
    expect([1, 2, 3, 4, 8].map(defaultRetryDelaySeconds)).toEqual([2, 4, 8, 16, 256]);
  });

  it('caps at 5 minutes', () => {
    expect(defaultRetryDelaySeconds(9)).toBe(300);
    expect(defaultRetryDelaySeconds(1000)).toBe(300);
  });
});

describe('QueueConsumer options', () => {
  const deps = {
    sqs: {} as SQSClient,
    logger: pino({ level: 'silent' }),
    schema: z.unknown(),
    handler: async () => 'success' as const,
  };
  const options = { queue: 'q', queueUrl: 'http://localhost/q', dlqUrl: 'http://localhost/q-dlq' };

  it('accepts the defaults', () => {
    expect(new QueueConsumer(deps, options).inFlight).toBe(0);
  });

  it('defaults to a short visibility timeout that three heartbeats cover (issue 12, finding 16)', () => {
    expect(DEFAULT_VISIBILITY_TIMEOUT_SECONDS).toBe(10);
    expect(DEFAULT_HEARTBEAT_SECONDS).toBe(3);
    expect(3 * DEFAULT_HEARTBEAT_SECONDS).toBeLessThan(DEFAULT_VISIBILITY_TIMEOUT_SECONDS);
  });

  it.each([
    [{ batchSize: 11 }, /batchSize/],
    [{ batchSize: 0 }, /batchSize/],
    [{ concurrency: 0 }, /concurrency/],
    [{ visibilityTimeoutSeconds: 3 }, /heartbeatIntervalSeconds/],
    [{ visibilityTimeoutSeconds: 2, heartbeatIntervalSeconds: 2 }, /heartbeatIntervalSeconds/],
    [{ waitTimeSeconds: 21 }, /waitTimeSeconds/],
  ])('rejects %p', (invalid, message) => {
    expect(() => new QueueConsumer(deps, { ...options, ...invalid })).toThrow(message);
  });
});
