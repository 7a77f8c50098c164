import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localStackHome, localStackStateFile } from '@airlock/config';
import { parseCorsOrigins } from './upload-cors.ts';

/** Finds the workspace root (the folder with nx.json) above this file. */
export function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('nx.json not found above the dev-stack library');
    dir = parent;
  }
  return dir;
}

const port = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value ? Number.parseInt(value, 10) : fallback;
};

const MiB = 1024 * 1024;

export type StackSettings = ReturnType<typeof stackSettings>;

/** Every knob of the local stack; each can be moved by an environment variable. */
export function stackSettings() {
  const root = workspaceRoot();
  const home = localStackHome(process.env);
  const apiPort = port('AIRLOCK_DEV_API_PORT', 4600);
  return {
    root,
    home,
    logs: join(home, 'logs'),
    run: join(home, 'run'),
    // The CLI reads it too (libs/config), without loading the dev stack.
    stateFile: localStackStateFile(process.env),
    secretFile: join(home, 'folder-secret'),
    host: '127.0.0.1',
    // Inside a container the emulators listen on every interface and are
    // reached by service name; on a workstation both stay on loopback.
    bindHost: process.env.AIRLOCK_DEV_BIND_HOST ?? '127.0.0.1',
    publicHost: process.env.AIRLOCK_DEV_PUBLIC_HOST ?? '127.0.0.1',
    ports: {
      api: apiPort,
      verifierHealth: port('AIRLOCK_DEV_VERIFIER_HEALTH_PORT', 4610),
      scannerHealth: port('AIRLOCK_DEV_SCANNER_HEALTH_PORT', 4611),
      mediaHealth: port('AIRLOCK_DEV_MEDIA_HEALTH_PORT', 4612),
      notifierHealth: port('AIRLOCK_DEV_NOTIFIER_HEALTH_PORT', 4613),
      // The API's /metrics (and probes), apart from its public port.
      apiMetrics: port('AIRLOCK_DEV_API_METRICS_PORT', 4614),
      s3: port('AIRLOCK_DEV_S3_PORT', 4569),
      sqs: port('AIRLOCK_DEV_SQS_PORT', 4576),
      postgres: port('AIRLOCK_DEV_PG_PORT', 54329),
      clamd: port('AIRLOCK_DEV_CLAMD_PORT', 3310),
      // The emulators' OTLP/HTTP trace receiver (otlp-receiver.ts); 18 above
      // the API's by default, like the web app's.
      otlp: port('AIRLOCK_DEV_OTLP_PORT', apiPort + 18),
      // The demo web app (apps/web): a page on another origin than the API.
      // By default 20 above the API's, so stacks with moved ports never collide.
      web: port('AIRLOCK_DEV_WEB_PORT', apiPort + 20),
    },
    clamav: {
      /** The test signatures shipped in the repo, copied into the stack on every up. */
      signatures: join(root, 'infra', 'clamav', 'signatures'),
      dir: join(home, 'clamav'),
      binary: '/usr/sbin/clamd',
      // ScanImageFuzzyHash, on as ClamAV ships it (the scanner's policy,
      // apps/scanner/README.md); AIRLOCK_DEV_CLAMD_IMAGE_FUZZY_HASH=no turns it
      // off for a bench run that shows what it costs.
      imageFuzzyHash: !/^(0|false|no|off)$/i.test(
        process.env.AIRLOCK_DEV_CLAMD_IMAGE_FUZZY_HASH ?? '',
      ),
      // MaxFileSize equals MaxScanSize on purpose: clamd trims an archive member
      // over MaxFileSize and passes it OK even with AlertExceedsMax, unless the
      // trimmed bytes also push the scan past MaxScanSize, which does alert.
      // StreamMaxLength bounds what INSTREAM accepts at all, so it is the most
      // a client can have scanned whole. 320 MiB: a 300 MiB document or video
      // (the multipart end-to-end test) is scanned whole; production sets its
      // own (infra/clamav/clamd.docker.conf), at most 2 GiB − 3 bytes.
      // MaxFileSize = MaxScanSize are 4× the stream: clamd scans again from
      // every embedded-file signature it finds (random or compressed bytes
      // are full of them), measured 2× the bytes on a 300 MiB video; at 1×
      // such files were quarantined as limit hits.
      limits: {
        maxFileSize: 1280 * MiB,
        maxScanSize: 1280 * MiB,
        streamMaxLength: 320 * MiB,
        maxScanTimeMs: 90_000,
        maxRecursion: 16,
        maxFiles: 10_000,
      },
    },
    // The upload-api's category limits on the local stack: documents and
    // videos up to what its clamd scans whole (SCAN_MAX_BYTES caps them anyway).
    uploadLimits: {
      MAX_DOCUMENT_BYTES: String(320 * MiB),
      MAX_VIDEO_BYTES: String(320 * MiB),
    },
    region: process.env.AWS_REGION ?? 'us-east-1',
    // The S3 emulator's built-in account; SigV4 is checked against it for real.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    buckets: {
      uploads: process.env.UPLOADS_BUCKET ?? 'uploads',
      quarantine: process.env.QUARANTINE_BUCKET ?? 'quarantine',
      processed: process.env.PROCESSED_BUCKET ?? 'processed',
      // No notifications: tests and experiments that drive workers themselves.
      sandbox: 'sandbox',
    },
    // Browser origins the uploads bucket's CORS rule admits (the rule infra/
    // deploys from corsOrigins); unset: loopback on any port, empty: no rule.
    corsOrigins: parseCorsOrigins(process.env.AIRLOCK_DEV_CORS_ORIGINS),
    queues: ['upload-events', 'scan-jobs', 'media-jobs', 'webhook-jobs'] as const,
    maxReceiveCount: port('AIRLOCK_DEV_MAX_RECEIVE_COUNT', 5),
    // The apps export their traces to the receiver unless AIRLOCK_DEV_TRACING=off
    // (the bench's comparison); their logs carry trace ids either way.
    tracing: !/^(0|false|no|off)$/i.test(process.env.AIRLOCK_DEV_TRACING ?? ''),
    databaseUrl: process.env.DATABASE_URL,
  };
}
