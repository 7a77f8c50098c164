import type { Category } from '../type-policy.ts';
import type { UploadState } from '../upload-state.ts';

export type Site = { readonly id: string; readonly customerId: string; readonly name: string };

export type Upload = {
  readonly id: string;
  readonly customerId: string;
  readonly siteId: string;
  readonly dedupScope: string;
  readonly originalName: string;
  readonly declaredContentType: string;
  readonly declaredSize: number;
  readonly declaredSha256: string;
  readonly detectedContentType: string | null;
  readonly category: Category;
  readonly bucket: string;
  readonly key: string;
  readonly state: UploadState;
  readonly reason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly expiresAt: Date;
  /** eTag of the object whose bytes a worker verified. */
  readonly verifiedEtag: string | null;
  /** When the scan job for the verified bytes was sent. */
  readonly scanRequestedAt: Date | null;
  /** When the media job for the clean bytes was sent. */
  readonly mediaRequestedAt: Date | null;
  /**
   * S3 VersionId of the object whose bytes a worker verified; every later read
   * is pinned to it. `null` where the store keeps no versions.
   */
  readonly versionId: string | null;
  /** The API key that issued the currently valid upload URL (`null` on old rows). */
  readonly apiKeyId: string | null;
  /**
   * S3's UploadId when the content is sent in parts (multipart); `null` (or
   * absent) for an upload sent in one request.
   */
  readonly multipartUploadId?: string | null;
  /** The plan of a multipart upload: every part is `partSize` bytes except the last. */
  readonly partSize?: number | null;
  readonly partCount?: number | null;
  /** When the API completed the multipart upload (the object exists). */
  readonly multipartCompletedAt?: Date | null;
  /** The upload token that created it (a browser's); `null` (or absent) for an API key's. */
  readonly uploadTokenId?: string | null;
  /**
   * W3C `traceparent` of the request that created it: the S3 event of its PUT
   * carries no trace context, so the verifier continues its trace from here.
   * Written by the repository, never by the domain; `null` (or absent) when
   * the process had tracing disabled.
   */
  readonly traceParent?: string | null;
};

export type UploadTransition = {
  readonly fromState: UploadState | null;
  readonly toState: UploadState;
  readonly reason: string | null;
  readonly actor: string;
  readonly at: Date;
};

export type NewUpload = Omit<
  Upload,
  | 'id'
  | 'state'
  | 'reason'
  | 'detectedContentType'
  | 'createdAt'
  | 'updatedAt'
  | 'verifiedEtag'
  | 'scanRequestedAt'
  | 'mediaRequestedAt'
  | 'versionId'
  | 'apiKeyId'
  | 'traceParent'
> & { readonly apiKeyId?: string | null | undefined };
