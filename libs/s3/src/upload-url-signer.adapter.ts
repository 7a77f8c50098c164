import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PresignedRequest, PresignPutRequest, UploadUrlSigner } from '@airlock/core';

/**
 * Presigned PUTs whose key, Content-Type, Content-Length and
 * x-amz-checksum-sha256 are all in X-Amz-SignedHeaders: S3 refuses any other
 * size, type or content, and the URL dies at `expiresInSeconds`.
 */
export class S3UploadUrlSigner implements UploadUrlSigner {
  readonly #s3: S3Client;

  constructor(deps: { s3: S3Client }) {
    this.#s3 = deps.s3;
  }

  async presignPut(request: PresignPutRequest): Promise<PresignedRequest> {
    const checksum = Buffer.from(request.sha256Hex, 'hex').toString('base64');
    const command = new PutObjectCommand({
      Bucket: request.bucket,
      Key: request.key,
      ContentType: request.contentType,
      ContentLength: request.contentLength,
      ChecksumSHA256: checksum,
    });
    const url = await getSignedUrl(this.#s3, command, {
      expiresIn: request.expiresInSeconds,
      signableHeaders: new Set(['content-type', 'content-length']),
      // Hoisted into the query string it would be a parameter, not a header
      // S3 compares with the body; kept as a header it is signed and enforced.
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    });
    return {
      method: 'PUT',
      url,
      headers: {
        'Content-Type': request.contentType,
        'Content-Length': String(request.contentLength),
        'x-amz-checksum-sha256': checksum,
      },
    };
  }
}
