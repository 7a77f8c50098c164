import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { FormPostSigner, PresignedPost, PresignPutRequest } from '@airlock/core';

/**
 * A presigned POST for HTML forms (S3 POST Object). Its policy pins the bucket,
 * the key (exact), the Content-Type (exact), the length (exactly the declared
 * size: `content-length-range` from it to it) and `x-amz-checksum-sha256`
 * (exact, and the field is set, so S3 checks the file against it). Every
 * field in `fields` is a policy condition; the file goes last in the form.
 */
export class S3FormPostSigner implements FormPostSigner {
  readonly #s3: S3Client;

  constructor(deps: { s3: S3Client }) {
    this.#s3 = deps.s3;
  }

  async presignPost(request: PresignPutRequest): Promise<PresignedPost> {
    const checksum = Buffer.from(request.sha256Hex, 'hex').toString('base64');
    const { url, fields } = await createPresignedPost(this.#s3, {
      Bucket: request.bucket,
      Key: request.key,
      // Each field is an exact-match condition of the policy as well.
      Fields: { 'Content-Type': request.contentType, 'x-amz-checksum-sha256': checksum },
      Conditions: [['content-length-range', request.contentLength, request.contentLength]],
      Expires: request.expiresInSeconds,
    });
    return { method: 'POST', url, fields };
  }
}
