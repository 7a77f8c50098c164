import { z } from 'zod';
import type { LimitsPolicy } from '@airlock/core';
import { envBoolean, envInt, parseEnv, scanMaxBytes } from './parse-env.ts';
import { queueUrl, toWorkerConfig, workerEnv, type WorkerConfig } from './worker.config.ts';

const scannerEnv = z
  .object({
    SCAN_JOBS_QUEUE_URL: queueUrl,
    SCAN_JOBS_DLQ_URL: queueUrl,
    MEDIA_JOBS_QUEUE_URL: queueUrl,
    CLAMD_HOST: z.string().min(1).default('127.0.0.1'),
    CLAMD_PORT: envInt(3310, 1),
    CLAMD_TIMEOUT_MS: envInt(120_000, 1000),
    // How long one VERSION answer labels verdicts (0: asked with every scan).
    CLAMD_VERSION_MAX_AGE_MS: envInt(10_000, 0),
    // A clean verdict on the same customer's same bytes, same engine and signatures, is reused.
    SCAN_VERDICT_REUSE: envBoolean(true),
    // Clean objects tagged with their verdict too (one S3 request per file); hits always are.
    SCAN_TAG_CLEAN_OBJECTS: envBoolean(false),
    SCAN_LIMITS_POLICY: z.enum(['quarantine', 'hold']).default('quarantine'),
    // The largest object clamd scans whole (as the upload-api's): a bigger one
    // is never sent to clamd and ends like a limit hit. Unset: clamd's limits answer.
    SCAN_MAX_BYTES: scanMaxBytes,
  })
  .extend(workerEnv.shape);

export type ScannerConfig = WorkerConfig & {
  readonly buckets: { uploads: string; quarantine: string };
  readonly queues: { scanJobs: string; scanJobsDlq: string; mediaJobs: string };
  readonly clamd: { host: string; port: number; timeoutMs: number; versionMaxAgeMs: number };
  readonly limitsPolicy: LimitsPolicy;
  /** Reuse a clean verdict on the same customer's same bytes (same engine and signatures). */
  readonly reuseCleanVerdicts: boolean;
  /** Tag clean objects with their verdict too; hits always are. */
  readonly tagCleanObjects: boolean;
  /** What clamd scans whole; larger objects are not sent. @defaultValue no cap */
  readonly scanMaxBytes: number | undefined;
};

export function loadScannerConfig(env: NodeJS.ProcessEnv = process.env): ScannerConfig {
  const parsed = parseEnv(scannerEnv, env);
  return Object.freeze({
    ...toWorkerConfig(parsed),
    buckets: { uploads: parsed.UPLOADS_BUCKET, quarantine: parsed.QUARANTINE_BUCKET },
    queues: {
      scanJobs: parsed.SCAN_JOBS_QUEUE_URL,
      scanJobsDlq: parsed.SCAN_JOBS_DLQ_URL,
      mediaJobs: parsed.MEDIA_JOBS_QUEUE_URL,
    },
    clamd: {
      host: parsed.CLAMD_HOST,
      port: parsed.CLAMD_PORT,
      timeoutMs: parsed.CLAMD_TIMEOUT_MS,
      versionMaxAgeMs: parsed.CLAMD_VERSION_MAX_AGE_MS,
    },
    limitsPolicy: parsed.SCAN_LIMITS_POLICY,
    reuseCleanVerdicts: parsed.SCAN_VERDICT_REUSE,
    tagCleanObjects: parsed.SCAN_TAG_CLEAN_OBJECTS,
    scanMaxBytes: parsed.SCAN_MAX_BYTES,
  });
}
