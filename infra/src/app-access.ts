import type { QueueName } from './queues.ts';
import type { AppName } from './settings.ts';

export type BucketName = 'uploads' | 'quarantine' | 'processed';
export type RoleName = AppName | 'ops';

/** What one app may do: object actions per bucket, ListBucket, and actions per queue and DLQ. */
export type Access = {
  readonly objects?: Partial<Record<BucketName, readonly string[]>>;
  readonly listBuckets?: readonly BucketName[];
  readonly queues?: Partial<Record<QueueName, readonly string[]>>;
  readonly dlqs?: Partial<Record<QueueName, readonly string[]>>;
};

/** libs/sqs QueueConsumer: receive, heartbeat, ack, and the readiness probe. */
const CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;
/** Publishing; also how QueueConsumer dead-letters a PermanentFailure at once. */
const SEND = ['sqs:SendMessage'] as const;
/** `airlock dlq list | peek | replay | purge` on a dead-letter queue. */
const OPERATE_DLQ = [
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:PurgeQueue',
] as const;

const everyQueue = <T>(value: T): Record<QueueName, T> => ({
  'upload-events': value,
  'scan-jobs': value,
  'media-jobs': value,
  'webhook-jobs': value,
});

/**
 * Each role's exact access, read off the apps' code (compose.ts, handlers,
 * libs/s3 S3ObjectStore, libs/sqs). Notes that the table cannot say:
 * - A move is CopyObject + DeleteObject. CopyObject keeps the source's tags
 *   (TaggingDirective COPY), which needs GetObjectTagging on the source and
 *   PutObjectTagging on the target once the scanner has tagged an object.
 * - ListBucket on `uploads` makes a missing object answer 404 NoSuchKey
 *   instead of 403: the workers treat a missing object as a handled case
 *   (a replayed event after a move), where AccessDenied would be retried into
 *   the DLQ. The upload-api only presigns, so it goes without.
 */
export const APP_ACCESS: Readonly<Record<RoleName, Access>> = {
  'upload-api': {
    // Presigned PUTs of uploads; presigned GETs of clean originals (pinned to
    // the verified version: GetObjectVersion) and renditions.
    objects: {
      uploads: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion'],
      processed: ['s3:GetObject'],
    },
  },
  verifier: {
    objects: {
      uploads: ['s3:GetObject', 's3:GetObjectTagging', 's3:DeleteObject'],
      quarantine: ['s3:PutObject', 's3:PutObjectTagging'],
    },
    listBuckets: ['uploads'],
    queues: { 'upload-events': CONSUME, 'scan-jobs': SEND },
    dlqs: { 'upload-events': SEND },
  },
  scanner: {
    objects: {
      // Reads are pinned to the verified version (GetObjectVersion).
      uploads: [
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectTagging',
        's3:PutObjectTagging',
        's3:DeleteObject',
      ],
      quarantine: ['s3:PutObject', 's3:PutObjectTagging'],
      // A rescan that quarantines ready content deletes its renditions.
      processed: ['s3:DeleteObject'],
    },
    listBuckets: ['uploads'],
    queues: { 'scan-jobs': CONSUME, 'media-jobs': SEND },
    dlqs: { 'scan-jobs': SEND },
  },
  media: {
    // Reads are pinned to the verified version (GetObjectVersion).
    objects: { uploads: ['s3:GetObject', 's3:GetObjectVersion'], processed: ['s3:PutObject'] },
    listBuckets: ['uploads'],
    queues: { 'media-jobs': CONSUME },
    dlqs: { 'media-jobs': SEND },
  },
  notifier: {
    // It relays its Postgres outbox into the same queue it consumes.
    queues: { 'webhook-jobs': [...CONSUME, ...SEND] },
    dlqs: { 'webhook-jobs': SEND },
  },
  ops: {
    // `airlock sweep` removes the objects of expired uploads.
    objects: { uploads: ['s3:GetObject', 's3:DeleteObject'] },
    listBuckets: ['uploads'],
    // `dlq replay` sends back to the source; `rescan` sends to scan-jobs.
    queues: everyQueue(SEND),
    dlqs: everyQueue(OPERATE_DLQ),
  },
};
