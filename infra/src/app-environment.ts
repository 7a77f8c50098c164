import { Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { API_PORT, CLAMD_PORT, HEALTH_PORT, queueEnvPrefix, SCAN_MAX_BYTES } from './app-specs.ts';
import type { DatabaseAccess } from './database.ts';
import { QUEUE_NAMES, type QueueName, type Queues } from './queues.ts';
import type { RoleName } from './app-access.ts';
import type { Storage } from './storage.ts';

export type AppEnvironment = {
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
};

type EnvironmentDeps = {
  readonly storage: Storage;
  readonly queues: Queues;
  readonly database: DatabaseAccess;
  readonly folderSecret: ecs.Secret;
  /** Where every app exports its traces (OTLP/HTTP); none: tracing off. */
  readonly otlpEndpoint: string | undefined;
};

/**
 * The variables each app's zod config reads (libs/config,
 * docs/configuration.md): what every app shares, then its own queues and knobs.
 * AWS credentials come from the task role, never from the environment.
 */
export function appEnvironment(
  scope: Construct,
  app: RoleName,
  deps: EnvironmentDeps,
): AppEnvironment {
  const queueUrls = (name: QueueName, which: { queue?: boolean; dlq?: boolean }) => {
    const { queue, dlq } = deps.queues.byName[name];
    const prefix = queueEnvPrefix(name);
    return {
      ...(which.queue ? { [`${prefix}_QUEUE_URL`]: queue.queueUrl } : {}),
      ...(which.dlq ? { [`${prefix}_DLQ_URL`]: dlq.queueUrl } : {}),
    };
  };
  const shared = {
    AWS_REGION: Stack.of(scope).region,
    LOG_LEVEL: 'info',
    UPLOADS_BUCKET: deps.storage.uploads.bucketName,
    QUARANTINE_BUCKET: deps.storage.quarantine.bucketName,
    PROCESSED_BUCKET: deps.storage.processed.bucketName,
    // Its own login (airlock_<app>_app), never the owner's: see database.ts.
    ...deps.database.forApp(app).environment,
    ...(deps.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: deps.otlpEndpoint } : {}),
  };
  const worker = { ...shared, HEALTH_PORT: String(HEALTH_PORT) };
  const secrets = { ...deps.database.forApp(app).secrets };

  switch (app) {
    case 'upload-api':
      return {
        environment: {
          ...shared,
          PORT: String(API_PORT),
          // /metrics and the probes, on the workers' port: never behind the load balancer.
          METRICS_PORT: String(HEALTH_PORT),
          // Exactly one proxy hop: the load balancer.
          TRUST_PROXY: 'true',
          SCAN_MAX_BYTES: String(SCAN_MAX_BYTES),
        },
        secrets: { ...secrets, FOLDER_SECRET: deps.folderSecret },
      };
    case 'verifier':
      return {
        environment: {
          ...worker,
          ...queueUrls('upload-events', { queue: true, dlq: true }),
          ...queueUrls('scan-jobs', { queue: true }),
        },
        secrets,
      };
    case 'scanner':
      return {
        environment: {
          ...worker,
          ...queueUrls('scan-jobs', { queue: true, dlq: true }),
          ...queueUrls('media-jobs', { queue: true }),
          // clamd is a sidecar in the same task: loopback only.
          CLAMD_HOST: '127.0.0.1',
          // Larger objects are never sent to clamd (they end like a limit hit).
          SCAN_MAX_BYTES: String(SCAN_MAX_BYTES),
          CLAMD_PORT: String(CLAMD_PORT),
        },
        secrets,
      };
    case 'media':
      return {
        environment: {
          ...worker,
          ...queueUrls('media-jobs', { queue: true, dlq: true }),
          MALLOC_ARENA_MAX: '2',
        },
        secrets,
      };
    case 'notifier':
      return {
        environment: { ...worker, ...queueUrls('webhook-jobs', { queue: true, dlq: true }) },
        secrets,
      };
    case 'ops':
      return {
        environment: Object.assign(
          { ...shared },
          ...QUEUE_NAMES.map((name) => queueUrls(name, { queue: true, dlq: true })),
        ),
        secrets,
      };
  }
}
