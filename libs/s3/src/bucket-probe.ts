import { GetObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';

const SENTINEL_KEY = '.airlock-readiness-probe';

/**
 * Resolves when S3 answers for this bucket with our credentials. It GETs a key
 * that never exists rather than calling HeadBucket, which needs s3:ListBucket
 * (a role that may only presign objects lacks it): NoSuchKey, or AccessDenied
 * for a role without ListBucket, both prove endpoint, bucket and signature
 * good. NoSuchBucket, a bad key or signature, or no answer reject.
 */
export async function probeBucket(s3: S3Client, bucket: string, timeoutMs = 2000): Promise<void> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: SENTINEL_KEY }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    response.Body?.transformToByteArray().catch(() => {});
  } catch (error) {
    if (error instanceof S3ServiceException && ['NoSuchKey', 'AccessDenied'].includes(error.name))
      return;
    throw error;
  }
}
