import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type {
  MultipartStore,
  MultipartTarget,
  PresignedRequest,
  PresignPartRequest,
  StoredPart,
} from '@airlock/core';

/**
 * S3's multipart API for uploads in parts. The upload is created with SHA-256
 * part checksums and nothing else (the declared Content-Type, no metadata:
 * the verifier refuses objects with headers nobody signed); each part URL
 * signs its Content-Length and `x-amz-checksum-sha256`, so S3 refuses a part
 * of another length or other bytes (the client is handed the checksum header
 * alone: it sends Content-Length itself, and a browser may not set it).
 */
export class S3MultipartStore implements MultipartStore {
  readonly #s3: S3Client;

  constructor(deps: { s3: S3Client }) {
    this.#s3 = deps.s3;
  }

  async create(request: { bucket: string; key: string; contentType: string }): Promise<string> {
    const created = await this.#s3.send(
      new CreateMultipartUploadCommand({
        Bucket: request.bucket,
        Key: request.key,
        ContentType: request.contentType,
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    if (!created.UploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
    return created.UploadId;
  }

  async presignPart(request: PresignPartRequest): Promise<PresignedRequest> {
    const checksum = Buffer.from(request.sha256Hex, 'hex').toString('base64');
    const url = await getSignedUrl(
      this.#s3,
      new UploadPartCommand({
        Bucket: request.bucket,
        Key: request.key,
        UploadId: request.uploadId,
        PartNumber: request.partNumber,
        ContentLength: request.contentLength,
        ChecksumSHA256: checksum,
      }),
      {
        expiresIn: request.expiresInSeconds,
        signableHeaders: new Set(['content-length']),
        // Kept as a header, it is signed and compared with the body.
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      },
    );
    return {
      method: 'PUT',
      url,
      headers: { 'x-amz-checksum-sha256': checksum },
    };
  }

  async listParts(target: MultipartTarget): Promise<StoredPart[] | undefined> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      for (;;) {
        const page = await this.#s3.send(
          new ListPartsCommand({
            Bucket: target.bucket,
            Key: target.key,
            UploadId: target.uploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        );
        for (const part of page.Parts ?? []) {
          if (part.PartNumber === undefined || part.ETag === undefined) continue;
          parts.push({
            partNumber: part.PartNumber,
            size: part.Size ?? 0,
            etag: part.ETag,
            ...(part.ChecksumSHA256 ? { checksumSha256: part.ChecksumSHA256 } : {}),
          });
        }
        if (!page.IsTruncated || !page.NextPartNumberMarker) return parts;
        marker = page.NextPartNumberMarker;
      }
    } catch (error) {
      if (isNoSuchUpload(error)) return undefined;
      throw error;
    }
  }

  async complete(
    target: MultipartTarget & { parts: readonly StoredPart[] },
  ): Promise<'completed' | 'gone'> {
    try {
      await this.#s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: target.uploadId,
          MultipartUpload: {
            Parts: target.parts.map((part) => ({
              PartNumber: part.partNumber,
              ETag: part.etag,
              ...(part.checksumSha256 ? { ChecksumSHA256: part.checksumSha256 } : {}),
            })),
          },
        }),
      );
      return 'completed';
    } catch (error) {
      if (isNoSuchUpload(error)) return 'gone';
      throw error;
    }
  }

  async abort(target: MultipartTarget): Promise<void> {
    try {
      await this.#s3.send(
        new AbortMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: target.uploadId,
        }),
      );
    } catch (error) {
      if (!isNoSuchUpload(error)) throw error;
    }
  }
}

function isNoSuchUpload(error: unknown): boolean {
  const name = (error as { name?: string; Code?: string } | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return name === 'NoSuchUpload' || (status === 404 && name !== 'NoSuchBucket');
}
