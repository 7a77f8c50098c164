import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type {
  DownloadUrlSigner,
  PresignedRequest,
  PresignGetRequest,
  PresignPutRequest,
  UploadUrlSigner,
} from '@airlock/core';
import { PutUrlPresigner } from './put-url-presigner.ts';

/**
 * Presigned PUTs whose key, Content-Type, Content-Length and
 * x-amz-checksum-sha256 are all in X-Amz-SignedHeaders: S3 refuses any other
 * size, type or content, and the URL dies at `expiresInSeconds`. The headers
 * handed to the client are those it sets: Content-Length stays signed but is
 * left out, since every client sends it for a body of known length and a
 * browser refuses to be told to ("Refused to set unsafe header").
 */
export class S3UploadUrlSigner implements UploadUrlSigner, DownloadUrlSigner {
  readonly #s3: S3Client;
  readonly #putUrls: PutUrlPresigner;

  constructor(deps: { s3: S3Client }) {
    this.#s3 = deps.s3;
    this.#putUrls = new PutUrlPresigner(deps.s3);
  }

  async presignPut(request: PresignPutRequest): Promise<PresignedRequest> {
    const checksum = Buffer.from(request.sha256Hex, 'hex').toString('base64');
    const url = await this.#putUrls.presign(
      {
        Bucket: request.bucket,
        Key: request.key,
        ContentType: request.contentType,
        ContentLength: request.contentLength,
        ChecksumSHA256: checksum,
      },
      {
        expiresIn: request.expiresInSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
        // Hoisted into the query string it would be a parameter, not a header
        // S3 compares with the body; kept as a header it is signed and enforced.
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      },
    );
    return {
      method: 'PUT',
      url,
      headers: { 'Content-Type': request.contentType, 'x-amz-checksum-sha256': checksum },
    };
  }

  /**
   * A short-lived GET of one object version (when given) whose response
   * headers are all fixed by the signature: whatever headers the stored object
   * carries, S3 answers with ours. Cache-Control is `private, no-store`, the
   * type is the verified one, the disposition an attachment, the encoding
   * `identity`; Content-Language and Expires are overridden too, since S3 lets
   * a URL set exactly these six.
   */
  async presignGet(request: PresignGetRequest): Promise<{ url: string }> {
    const command = new GetObjectCommand({
      Bucket: request.bucket,
      Key: request.key,
      ...(request.versionId ? { VersionId: request.versionId } : {}),
      ...pinnedResponseHeaders(request),
    });
    return { url: await getSignedUrl(this.#s3, command, { expiresIn: request.expiresInSeconds }) };
  }
}

/** The `response-*` overrides of a download URL: every one S3 accepts. */
export function pinnedResponseHeaders(
  request: Pick<PresignGetRequest, 'contentType' | 'downloadName'>,
) {
  return {
    ResponseContentType: request.contentType ?? 'application/octet-stream',
    ResponseContentDisposition: request.downloadName
      ? `attachment; filename="${asciiFileName(request.downloadName)}"`
      : 'attachment',
    ResponseCacheControl: 'private, no-store',
    ResponseContentEncoding: 'identity',
    ResponseContentLanguage: 'und',
    ResponseExpires: new Date(0),
  } as const;
}

/**
 * The client's file name, reduced to characters no header or signature
 * canonicalisation treats specially (some S3-compatible stores mis-sign `*`
 * and `'`, which RFC 5987's `filename*=` needs).
 */
const asciiFileName = (name: string) =>
  name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 150) || 'download';
