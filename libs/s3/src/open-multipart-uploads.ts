import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** A multipart upload S3 still holds parts for (and bills). */
export type OpenMultipartUpload = {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date | undefined;
};

/**
 * The multipart uploads open in a bucket, for the sweep: S3 keeps (and bills)
 * the parts of an upload nobody completes or aborts until a lifecycle rule
 * removes them.
 */
export class S3OpenMultipartUploads {
  readonly #s3: S3Client;

  constructor(deps: { s3: S3Client }) {
    this.#s3 = deps.s3;
  }

  /** Every open multipart upload of the bucket, a page of ListMultipartUploads at a time. */
  async *list(bucket: string): AsyncGenerator<OpenMultipartUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.#s3.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId) continue;
        yield { bucket, key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated };
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
      if (keyMarker === undefined && uploadIdMarker === undefined) return;
    }
  }

  /** Aborts the upload, dropping its parts; `false` when S3 no longer had it. */
  async abort(upload: { bucket: string; key: string; uploadId: string }): Promise<boolean> {
    try {
      await this.#s3.send(
        new AbortMultipartUploadCommand({
          Bucket: upload.bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
        }),
      );
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (name === 'NoSuchUpload' || (status === 404 && name !== 'NoSuchBucket')) return false;
      throw error;
    }
  }
}
