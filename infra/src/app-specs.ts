import { CAPACITY_SETTINGS } from './capacity-settings.ts';
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
  /** Backlog (visible + in flight) one task works through within a scaling period: the scaling step. */
  readonly backlogPerTask?: number;
};

/**
 * Sizes from the apps' measured needs: the scanner's task also holds clamd
 * with the official databases (about 1.3 GiB, twice that while it reloads
 * them); media decodes two images at once (356 MiB peak for two 24 MP JPEGs).
 * The backlog per task comes from the capacity model (docs/capacity.md,
 * capacity-settings.json), which sized the tasks at these CPU units.
 */
const backlogOf = (app: AppName): number => CAPACITY_SETTINGS.apps[app].backlogPerTask!;

export const APP_SPECS: Readonly<Record<AppName, AppSpec>> = {
  'upload-api': { cpu: 256, memoryMiB: 512 },
  verifier: {
    cpu: 256,
    memoryMiB: 512,
    queue: 'upload-events',
    backlogPerTask: backlogOf('verifier'),
  },
  scanner: { cpu: 1024, memoryMiB: 4096, queue: 'scan-jobs', backlogPerTask: backlogOf('scanner') },
  media: { cpu: 512, memoryMiB: 1024, queue: 'media-jobs', backlogPerTask: backlogOf('media') },
  notifier: {
    cpu: 256,
    memoryMiB: 512,
    queue: 'webhook-jobs',
    backlogPerTask: backlogOf('notifier'),
  },
};

/** `scan-jobs` → `SCAN_JOBS`: the prefix of the apps' `<QUEUE>_QUEUE_URL` / `<QUEUE>_DLQ_URL`. */
export const queueEnvPrefix = (queue: QueueName): string => queue.toUpperCase().replace('-', '_');
