/**
 * What the capacity model assumes about the workload and reads from the code:
 * the size classes, the design mix, each stage's task and consumer settings,
 * and the AWS requests each stage makes per file.
 */
const MiB = 1024 * 1024;

export type Kind = 'text' | 'image' | 'document' | 'video';
export type SizeClass = {
  readonly id: string;
  readonly label: string;
  readonly kind: Kind;
  readonly bytes: number;
};

export const SIZE_CLASSES: readonly SizeClass[] = [
  { id: 'text', label: '4 KiB text', kind: 'text', bytes: 4096 },
  { id: 'photo', label: '3 MB photo', kind: 'image', bytes: 3_000_000 },
  { id: 'pdf', label: '50 MB PDF', kind: 'document', bytes: 50_000_000 },
  { id: 'video', label: '1 GiB video', kind: 'video', bytes: 1024 * MiB },
];

/**
 * The mix the CDK's defaults are sized for: an assumption, not a measurement.
 * Change it here and rerun `npm run capacity`.
 */
export const DESIGN_MIX: Readonly<Record<string, number>> = {
  text: 0.4,
  photo: 0.5,
  pdf: 0.099,
  video: 0.001,
};

/** The steady rate the CDK's maximum task counts are sized for (about 26 million uploads a month). */
export const DESIGN_RATE_PER_SECOND = 10;
export const RATE_STEPS: readonly number[] = [1, 10, 100, 1000];

/** CPU a task may use on average before it scales out; also the API's CPU scaling target. */
export const TARGET_UTILIZATION = 0.6;
/** A task given `backlogPerTask` messages finishes them within one scaling period (metric period and cooldown: 1 minute). */
export const DRAIN_SECONDS = 60;
/** Every service keeps at least this maximum, so one lost task never leaves it unable to scale. */
export const MIN_MAX_TASKS = 2;
/** readSettings in infra/src/settings.ts refuses more tasks than this per app. */
export const SETTINGS_MAX_TASKS = 100;

export type Stage = 'upload-api' | 'verifier' | 'scanner' | 'media' | 'notifier';
export const STAGES: readonly Stage[] = ['upload-api', 'verifier', 'scanner', 'media', 'notifier'];

export type StageSpec = {
  /** Fargate CPU units (1024 = 1 vCPU) and memory, as infra/src/app-specs.ts deploys them. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** WORKER_CONCURRENCY default (libs/config); the API has none. */
  readonly concurrency: number;
  /** PostgreSQL connections one task holds: its pool (and LISTEN connection where it has one). */
  readonly connections: number;
  readonly minTasks: number;
};

export const STAGE_SPECS: Readonly<Record<Stage, StageSpec>> = {
  'upload-api': { cpu: 256, memoryMiB: 512, concurrency: 0, connections: 11, minTasks: 1 },
  verifier: { cpu: 256, memoryMiB: 512, concurrency: 4, connections: 6, minTasks: 1 },
  scanner: { cpu: 1024, memoryMiB: 4096, concurrency: 4, connections: 6, minTasks: 1 },
  media: { cpu: 512, memoryMiB: 1024, concurrency: 2, connections: 4, minTasks: 1 },
  notifier: { cpu: 256, memoryMiB: 512, concurrency: 16, connections: 11, minTasks: 1 },
};

/** Uploads above this go in parts of PART_BYTES (libs/core/src/uploads/multipart-plan.ts). */
export const MULTIPART_THRESHOLD_BYTES = 100 * MiB;
export const PART_BYTES = 16 * MiB;
/** Renditions the media worker writes per image (w256-webp, w1024-webp, w1024-avif). */
export const RENDITIONS_PER_IMAGE = 3;
/** Webhooks per upload: one terminal event to a customer with an endpoint (an assumption). */
export const WEBHOOKS_PER_UPLOAD = 1;
/** How long a customer's endpoint takes to answer a delivery (an assumption; the notifier waits, it does not compute). */
export const WEBHOOK_DELIVERY_SECONDS = 1;
/**
 * Bytes through the NAT gateway per SQS request and per webhook: SigV4
 * headers and a small JSON body each way. An assumption, not measured; S3
 * traffic goes through the VPC's S3 gateway endpoint and never through NAT.
 */
export const NAT_BYTES_PER_SQS_REQUEST = 2048;
export const NAT_BYTES_PER_WEBHOOK = 2048;

/** Requests one file costs a stage: S3 writes (PUT/COPY/POST/LIST), S3 reads (GET/HEAD), SQS requests. */
export type Requests = {
  readonly s3Writes: number;
  readonly s3Reads: number;
  readonly sqs: number;
};

const NONE: Requests = { s3Writes: 0, s3Reads: 0, sqs: 0 };

export const partsOf = (bytes: number): number =>
  bytes > MULTIPART_THRESHOLD_BYTES ? Math.ceil(bytes / PART_BYTES) : 0;

/**
 * Counted from the handlers (apps/<stage>/src/handlers, libs/s3, libs/sqs) on
 * the clean path, with no batching: each SQS message received, deleted and
 * sent in a request of its own. That is the bound at low rates; under load
 * receives, deletes (DeleteMessageBatch) and the verifier's sends
 * (SendMessageBatch) carry up to 10 messages, and the bench counted 2.8 AWS
 * requests a file in the verifier and 1.6 in the scanner at 50–90 files/s.
 * `upload-api` includes the client's PUT (or parts) it signed and the S3
 * event S3 sends to upload-events.
 */
export function requestsPerFile(stage: Stage, sizeClass: SizeClass): Requests {
  const parts = partsOf(sizeClass.bytes);
  const image = sizeClass.kind === 'image';
  switch (stage) {
    case 'upload-api':
      // One PUT; or CreateMultipartUpload, the parts, ListParts and CompleteMultipartUpload.
      return { s3Writes: parts === 0 ? 1 : parts + 3, s3Reads: 0, sqs: 1 };
    case 'verifier':
      // GET while hashing; receive, delete, send the scan job.
      return { s3Writes: 0, s3Reads: 1, sqs: 3 };
    case 'scanner':
      // GET (also when a verdict is reused: it re-hashes); receive, delete; images send a media job.
      return { s3Writes: 0, s3Reads: 1, sqs: image ? 3 : 2 };
    case 'media':
      return image ? { s3Writes: RENDITIONS_PER_IMAGE, s3Reads: 1, sqs: 2 } : NONE;
    case 'notifier':
      // The outbox relay sends the job; the notifier receives and deletes it.
      return { s3Writes: 0, s3Reads: 0, sqs: 3 * WEBHOOKS_PER_UPLOAD };
  }
}

export const taskVcpu = (stage: Stage): number => STAGE_SPECS[stage].cpu / 1024;
