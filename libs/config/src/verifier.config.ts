import { z } from 'zod';
import { parseEnv } from './parse-env.ts';
import { queueUrl, toWorkerConfig, workerEnv, type WorkerConfig } from './worker.config.ts';

const verifierEnv = z
  .object({
    UPLOAD_EVENTS_QUEUE_URL: queueUrl,
    UPLOAD_EVENTS_DLQ_URL: queueUrl,
    SCAN_JOBS_QUEUE_URL: queueUrl,
  })
  .extend(workerEnv.shape);

export type VerifierConfig = WorkerConfig & {
  readonly buckets: { uploads: string; quarantine: string };
  readonly queues: { uploadEvents: string; uploadEventsDlq: string; scanJobs: string };
};

export function loadVerifierConfig(env: NodeJS.ProcessEnv = process.env): VerifierConfig {
  const parsed = parseEnv(verifierEnv, env);
  return Object.freeze({
    ...toWorkerConfig(parsed),
    buckets: { uploads: parsed.UPLOADS_BUCKET, quarantine: parsed.QUARANTINE_BUCKET },
    queues: {
      uploadEvents: parsed.UPLOAD_EVENTS_QUEUE_URL,
      uploadEventsDlq: parsed.UPLOAD_EVENTS_DLQ_URL,
      scanJobs: parsed.SCAN_JOBS_QUEUE_URL,
    },
  });
}
