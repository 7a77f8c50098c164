import { consumerEnv, toConsumerConfig } from './worker.config.ts';

describe('toConsumerConfig', () => {
  it('defaults to a 10 s visibility timeout with a 3 s heartbeat (issue 12, finding 16)', () => {
    expect(toConsumerConfig(consumerEnv.parse({}))).toMatchObject({
      visibilityTimeoutSeconds: 10,
      heartbeatIntervalSeconds: 3,
    });
  });

  it('keeps overrides, with the heartbeat kept under the visibility timeout', () => {
    expect(
      toConsumerConfig(
        consumerEnv.parse({
          WORKER_VISIBILITY_TIMEOUT_SECONDS: '60',
          WORKER_HEARTBEAT_SECONDS: '20',
        }),
      ),
    ).toMatchObject({ visibilityTimeoutSeconds: 60, heartbeatIntervalSeconds: 20 });
    expect(
      toConsumerConfig(
        consumerEnv.parse({
          WORKER_VISIBILITY_TIMEOUT_SECONDS: '5',
          WORKER_HEARTBEAT_SECONDS: '9',
        }),
      ),
    ).toMatchObject({ visibilityTimeoutSeconds: 5, heartbeatIntervalSeconds: 4 });
  });

  it('refuses a visibility timeout under 5 s', () => {
    expect(() => consumerEnv.parse({ WORKER_VISIBILITY_TIMEOUT_SECONDS: '4' })).toThrow();
  });
});
