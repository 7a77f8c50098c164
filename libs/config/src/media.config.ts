import { z } from 'zod';
import { DEFAULT_SIZE_LIMITS, type MediaFailurePolicy } from '@airlock/core';
import { envInt, parseEnv } from './parse-env.ts';
import { queueUrl, toWorkerConfig, workerEnv, type WorkerConfig } from './worker.config.ts';

export type MediaRendition = {
  /** Unique; the object name in the processed bucket, e.g. `w256-webp`. */
  readonly name: string;
  /** Largest width in pixels; smaller images are not enlarged. */
  readonly width: number;
  readonly format: 'webp' | 'avif';
};

export type { MediaFailurePolicy };

export const DEFAULT_MEDIA_RENDITIONS =
  'w256-webp:256:webp,w1024-webp:1024:webp,w1024-avif:1024:avif';

const RENDITION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_RENDITION_WIDTH = 4096;

/** `name:width:format`, comma-separated; names end up in object keys, so they are plain and unique. */
const renditionsEnv = z
  .string()
  .optional()
  .transform((value, ctx): MediaRendition[] => {
    const text = value === undefined || value.trim() === '' ? DEFAULT_MEDIA_RENDITIONS : value;
    const renditions: MediaRendition[] = [];
    for (const entry of text.split(',')) {
      const [name = '', width = '', format = '', ...rest] = entry.trim().split(':');
      const pixels = Number(width);
      if (
        rest.length > 0 ||
        !RENDITION_NAME.test(name) ||
        !Number.isInteger(pixels) ||
        pixels < 1 ||
        pixels > MAX_RENDITION_WIDTH ||
        (format !== 'webp' && format !== 'avif')
      ) {
        ctx.addIssue({
          code: 'custom',
          message: `expected name:width:format (name [a-z0-9-], width 1-${MAX_RENDITION_WIDTH}, format webp|avif), got "${entry}"`,
        });
        return z.NEVER;
      }
      if (renditions.some((rendition) => rendition.name === name)) {
        ctx.addIssue({ code: 'custom', message: `rendition name "${name}" is not unique` });
        return z.NEVER;
      }
      renditions.push({ name, width: pixels, format });
    }
    return renditions;
  });

const mediaEnv = z
  .object({
    MEDIA_JOBS_QUEUE_URL: queueUrl,
    MEDIA_JOBS_DLQ_URL: queueUrl,
    MEDIA_RENDITIONS: renditionsEnv,
    // sharp's own default is 268 MP (0x3FFF²): about 800 MB of RGB for one image.
    MEDIA_MAX_INPUT_PIXELS: envInt(100_000_000, 1),
    MEDIA_MAX_INPUT_BYTES: envInt(DEFAULT_SIZE_LIMITS.images, 1),
    MEDIA_TIMEOUT_SECONDS: envInt(30, 0),
    MEDIA_SHARP_CONCURRENCY: envInt(1, 1),
    MEDIA_FAILURE_POLICY: z.enum(['reject', 'ready']).default('reject'),
  })
  .extend(workerEnv.shape)
  // Images are CPU and memory heavy: two at a time on a 2-core worker.
  .extend({ WORKER_CONCURRENCY: envInt(2, 1) });

export type MediaConfig = WorkerConfig & {
  readonly buckets: { uploads: string; processed: string };
  readonly queues: { mediaJobs: string; mediaJobsDlq: string };
  readonly renditions: readonly MediaRendition[];
  readonly limits: {
    /** Largest width × height decoded, from the header. */
    maxInputPixels: number;
    /** Largest original read; uploads of images are at most 25 MiB. */
    maxInputBytes: number;
    /** Wall-clock cap on decoding one original; 0 for none. */
    timeoutSeconds: number;
  };
  /** libvips threads per image; the operation cache is always off. */
  readonly sharp: { concurrency: number };
  readonly failurePolicy: MediaFailurePolicy;
};

export function loadMediaConfig(env: NodeJS.ProcessEnv = process.env): MediaConfig {
  const parsed = parseEnv(mediaEnv, env);
  return Object.freeze({
    ...toWorkerConfig(parsed),
    buckets: { uploads: parsed.UPLOADS_BUCKET, processed: parsed.PROCESSED_BUCKET },
    queues: { mediaJobs: parsed.MEDIA_JOBS_QUEUE_URL, mediaJobsDlq: parsed.MEDIA_JOBS_DLQ_URL },
    renditions: Object.freeze(parsed.MEDIA_RENDITIONS),
    limits: {
      maxInputPixels: parsed.MEDIA_MAX_INPUT_PIXELS,
      maxInputBytes: parsed.MEDIA_MAX_INPUT_BYTES,
      timeoutSeconds: parsed.MEDIA_TIMEOUT_SECONDS,
    },
    sharp: { concurrency: parsed.MEDIA_SHARP_CONCURRENCY },
    failurePolicy: parsed.MEDIA_FAILURE_POLICY,
  });
}
