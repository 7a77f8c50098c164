import { S3Client } from '@aws-sdk/client-s3';
import { traceS3Requests } from './s3-spans.ts';

export type S3Settings = {
  readonly region: string;
  /** Set for S3-compatible stores and the local emulator; unset for AWS. */
  readonly endpoint?: string | undefined;
  readonly forcePathStyle: boolean;
  /** Explicit credentials; by default the SDK's provider chain (env, role) finds them. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
};

/** An S3 client whose every request is a span ({@link traceS3Requests}). */
export function createS3Client(settings: S3Settings): S3Client {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // By default the SDK adds a CRC32 of the (empty) presign-time body to every
    // URL; we sign the caller's SHA-256 instead, so checksums only when asked.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  traceS3Requests(client);
  return client;
}
