import { ConfigError } from './parse-env.ts';
import { loadOpsConfig, OPS_QUEUES } from './ops.config.ts';

describe('loadOpsConfig', () => {
  it('needs nothing to load: each command asks for what it uses, by name', () => {
    const config = loadOpsConfig({});
    expect(config.buckets.uploads).toBe('uploads');
    expect(config.aws.sqs).toEqual({ region: 'us-east-1', endpoint: undefined });
    expect(() => config.databaseUrl()).toThrow(
      'Set DATABASE_URL, or start the local stack with `airlock dev up`',
    );
    expect(() => config.queueUrl('scan-jobs')).toThrow(/^Set SCAN_JOBS_QUEUE_URL, /);
    expect(() => config.dlqUrl('webhook-jobs')).toThrow(/^Set WEBHOOK_JOBS_DLQ_URL, /);
  });

  it('gives each queue its URL and its DLQ URL, and the rest of the environment', () => {
    const env: Record<string, string> = {
      DATABASE_URL: 'postgres://localhost/airlock',
      UPLOADS_BUCKET: 'incoming',
      AWS_REGION: 'eu-west-1',
      SQS_ENDPOINT: 'http://127.0.0.1:4576',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
    };
    for (const queue of OPS_QUEUES) {
      const prefix = queue.toUpperCase().replace('-', '_');
      env[`${prefix}_QUEUE_URL`] = `http://sqs.test/q/${queue}`;
      env[`${prefix}_DLQ_URL`] = `http://sqs.test/q/${queue}-dlq`;
    }
    const config = loadOpsConfig(env);
    expect(config.databaseUrl()).toBe('postgres://localhost/airlock');
    expect(config.buckets.uploads).toBe('incoming');
    expect(OPS_QUEUES.map((queue) => [config.queueUrl(queue), config.dlqUrl(queue)])).toEqual(
      OPS_QUEUES.map((queue) => [`http://sqs.test/q/${queue}`, `http://sqs.test/q/${queue}-dlq`]),
    );
    expect(config.aws.s3).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4569',
      forcePathStyle: true,
    });
  });

  it('refuses a malformed value at load, every one at once', () => {
    const load = () => loadOpsConfig({ DATABASE_URL: 'mysql://x', SCAN_JOBS_DLQ_URL: 'not a url' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(load).toThrow(/SCAN_JOBS_DLQ_URL: /);
  });

  it('reads AIRLOCK_METRICS_URLS: comma-separated /metrics pages, each named by its stage or not', () => {
    expect(loadOpsConfig({}).metricsTargets).toEqual([]);
    const config = loadOpsConfig({
      AIRLOCK_METRICS_URLS:
        'api=http://10.0.0.5:4614/metrics, http://scanner.internal:8080/metrics,',
    });
    expect(config.metricsTargets).toEqual([
      { stage: 'api', url: 'http://10.0.0.5:4614/metrics' },
      { stage: undefined, url: 'http://scanner.internal:8080/metrics' },
    ]);
    expect(() => loadOpsConfig({ AIRLOCK_METRICS_URLS: 'scanner=ftp://x/metrics' })).toThrow(
      /AIRLOCK_METRICS_URLS: expected \[stage=\]http\(s\):\/\/host:port\/metrics, got "scanner=ftp:\/\/x\/metrics"/,
    );
  });

  it('reads the retention policy, with defaults, refusing less than a day', () => {
    expect(loadOpsConfig({}).retention).toEqual({
      terminalUploadsDays: 90,
      webhookDeliveriesDays: 30,
      objectIncidentsDays: 365,
      messageFailuresDays: 30,
      uploadTokensDays: 7,
      partitionMonthsAhead: 2,
    });
    expect(
      loadOpsConfig({ RETENTION_TERMINAL_UPLOADS_DAYS: '400', PARTITION_MONTHS_AHEAD: '3' })
        .retention,
    ).toMatchObject({ terminalUploadsDays: 400, partitionMonthsAhead: 3 });
    expect(() => loadOpsConfig({ RETENTION_MESSAGE_FAILURES_DAYS: '0' })).toThrow(
      /RETENTION_MESSAGE_FAILURES_DAYS: /,
    );
  });
});
