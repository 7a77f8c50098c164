import type { QueueName } from './queues.ts';
import type { AppName } from './settings.ts';

/**
 * The largest object clamd scans whole: StreamMaxLength in
 * infra/clamav/clamd.docker.conf, with MaxFileSize = MaxScanSize at least twice
 * it (a test keeps them so). The
 * upload-api refuses declared sizes above it and the scanner never sends a
 * larger object to clamd, so nothing is called clean that clamd could only trim.
 */
export const SCAN_MAX_BYTES = 1024 * 1024 * 1024;
export const API_PORT = 3000;
export const HEALTH_PORT = 9400;
export const CLAMD_PORT = 3310;

export type AppSpec = {
  /** Fargate task size: CPU units (1024 = 1 vCPU) and MiB. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** The queue a worker consumes and scales on. */
  readonly queue?: QueueName;
  /** Backlog (visible + in flight) one task works through comfortably: the scaling step. */
  readonly backlogPerTask?: number;
};

/**
 * Sizes from the apps' measured needs: the scanner's task also holds clamd
 * with the official databases (about 1.3 GiB, twice that while it reloads
 * them); media decodes two images at once (356 MiB peak for two 24 MP JPEGs).
 */
export const APP_SPECS: Readonly<Record<AppName, AppSpec>> = {
  'upload-api': { cpu: 256, memoryMiB: 512 },
  verifier: { cpu: 256, memoryMiB: 512, queue: 'upload-events', backlogPerTask: 20 },
  scanner: { cpu: 1024, memoryMiB: 4096, queue: 'scan-jobs', backlogPerTask: 20 },
  media: { cpu: 512, memoryMiB: 1024, queue: 'media-jobs', backlogPerTask: 10 },
  notifier: { cpu: 256, memoryMiB: 512, queue: 'webhook-jobs', backlogPerTask: 20 },
};

/** `scan-jobs` → `SCAN_JOBS`: the prefix of the apps' `<QUEUE>_QUEUE_URL` / `<QUEUE>_DLQ_URL`. */
export const queueEnvPrefix = (queue: QueueName): string => queue.toUpperCase().replace('-', '_');
