import { z } from 'zod';
import {
  DEFAULT_MULTIPART_POLICY,
  MAX_SINGLE_REQUEST_BYTES,
  MIN_PART_SIZE,
  type MultipartPolicy,
} from '@airlock/core';
import { envInt } from './parse-env.ts';

/** The upload-api's settings for uploads in parts (issue 13). */
export const multipartEnv = z.object({
  // Declared sizes above this go in parts (unless the request asks for a form
  // POST, or for one PUT with multipart: false).
  MULTIPART_THRESHOLD_BYTES: envInt(DEFAULT_MULTIPART_POLICY.thresholdBytes, MIN_PART_SIZE).pipe(
    z.number().max(MAX_SINGLE_REQUEST_BYTES, 'S3 takes at most 5 GiB in one PUT'),
  ),
  // S3 wants every part but the last to be at least 5 MiB; grown when a file
  // would need more than 10,000 parts.
  MULTIPART_PART_SIZE_BYTES: envInt(DEFAULT_MULTIPART_POLICY.partSizeBytes, MIN_PART_SIZE).pipe(
    z.number().max(MAX_SINGLE_REQUEST_BYTES, 'S3 parts are at most 5 GiB'),
  ),
  // How long an upload in parts stays resumable (its expiresAt); each part
  // URL lives as long as UPLOAD_URL_* give its size.
  MULTIPART_UPLOAD_TTL_SECONDS: envInt(DEFAULT_MULTIPART_POLICY.uploadTtlSeconds, 60).pipe(
    z.number().max(604800, 'at most 7 days'),
  ),
});

export function toMultipartPolicy(parsed: z.infer<typeof multipartEnv>): MultipartPolicy {
  return {
    thresholdBytes: parsed.MULTIPART_THRESHOLD_BYTES,
    partSizeBytes: parsed.MULTIPART_PART_SIZE_BYTES,
    uploadTtlSeconds: parsed.MULTIPART_UPLOAD_TTL_SECONDS,
  };
}
