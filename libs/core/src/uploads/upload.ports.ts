import type { PartPlan, StoredPart } from './multipart-plan.ts';
import type { NewUpload, Site, Upload, UploadTransition } from './upload.types.ts';

export interface SiteDirectory {
  findSite(siteId: string): Promise<Site | undefined>;
}

export interface UploadRepository {
  /** The upload in this dedup scope with this hash that is not dead, if any. */
  findLiveByHash(dedupScope: string, sha256: string): Promise<Upload | undefined>;
  /**
   * Inserts a pending upload and its first audit event. Returns `undefined`
   * when a live upload with the same scope and hash won the race.
   */
  insertPending(upload: NewUpload, actor: string): Promise<Upload | undefined>;
  /**
   * {@link findLiveByHash} and {@link insertPending} at once: the live upload
   * with the same scope and hash (`created: false`) if there is one, else the
   * new pending upload with its first audit event (`created: true`).
   * `undefined` when a concurrent insert of the same content won the race.
   */
  insertPendingUnlessLive(
    upload: NewUpload,
    actor: string,
  ): Promise<{ upload: Upload; created: boolean } | undefined>;
  /**
   * Moves `expiresAt` of a still-pending upload and records `apiKeyId` (when
   * given) as the issuer of its URL; `undefined` once it moved on.
   */
  extendPending(
    uploadId: string,
    expiresAt: Date,
    apiKeyId?: string | undefined,
  ): Promise<Upload | undefined>;
  findWithHistory(
    uploadId: string,
  ): Promise<{ upload: Upload; history: UploadTransition[] } | undefined>;
  find(uploadId: string): Promise<Upload | undefined>;
  /**
   * Makes a pending upload sent in one request a multipart one (compare-and-set:
   * still pending, no multipart yet); `undefined` when it moved on or another
   * request attached one first.
   */
  attachMultipart(
    uploadId: string,
    multipart: MultipartRecord,
    expiresAt: Date,
    apiKeyId?: string | undefined,
  ): Promise<Upload | undefined>;
  /**
   * Records that the API completed the multipart upload, whatever the state
   * (its object's event may have moved it on already); `undefined` when it was
   * recorded before.
   */
  markMultipartCompleted(
    uploadId: string,
    apiKeyId?: string | undefined,
  ): Promise<Upload | undefined>;
  /**
   * Compare-and-set pending (and not completed) → `expired` with reason
   * `cancelled`, its audit event in the same statement; `undefined` otherwise.
   */
  cancelPending(uploadId: string, actor: string): Promise<Upload | undefined>;
}

/** The counter behind an upload token's `maxUploads`. */
export interface UploadTokenCounter {
  /**
   * Counts one more upload created with the token, atomically: `false` when
   * it already created `maxUploads`, or was revoked or expired meanwhile.
   */
  claimUpload(tokenId: string): Promise<boolean>;
  /** Gives back a claim whose upload was not created (a lost insert race). */
  releaseUpload(tokenId: string): Promise<void>;
}

export type MultipartRecord = PartPlan & { readonly multipartUploadId: string };

export type PresignPutRequest = {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly sha256Hex: string;
  readonly expiresInSeconds: number;
};

export type PresignedRequest = {
  readonly method: 'PUT' | 'GET';
  readonly url: string;
  /**
   * The headers the client must set, each one signed; all of them a browser
   * may set. The URL signs Content-Length as well, left out here: every HTTP
   * client sends it for a body of known length (a browser refuses to be told
   * to), and the store refuses a body of any other length.
   */
  readonly headers: Readonly<Record<string, string>>;
};

export interface UploadUrlSigner {
  presignPut(request: PresignPutRequest): Promise<PresignedRequest>;
}

/** A presigned POST for an HTML form: the form's action and its hidden fields, file last. */
export type PresignedPost = {
  readonly method: 'POST';
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
};

export interface FormPostSigner {
  /** A POST policy pinning bucket, key, type, exactly this length and (where the store checks it) the SHA-256. */
  presignPost(request: PresignPutRequest): Promise<PresignedPost>;
}

export type MultipartTarget = {
  readonly bucket: string;
  readonly key: string;
  /** S3's UploadId. */
  readonly uploadId: string;
};

export type PresignPartRequest = MultipartTarget & {
  readonly partNumber: number;
  readonly contentLength: number;
  readonly sha256Hex: string;
  readonly expiresInSeconds: number;
};

/** The store's multipart API (S3 CreateMultipartUpload, UploadPart, ListParts, Complete, Abort). */
export interface MultipartStore {
  /** Starts a multipart upload with SHA-256 part checksums; returns its UploadId. */
  create(request: {
    readonly bucket: string;
    readonly key: string;
    readonly contentType: string;
  }): Promise<string>;
  /** A presigned UploadPart signing the part's length and `x-amz-checksum-sha256`. */
  presignPart(request: PresignPartRequest): Promise<PresignedRequest>;
  /** Every stored part (all pages), or `undefined` when the multipart upload no longer exists. */
  listParts(target: MultipartTarget): Promise<StoredPart[] | undefined>;
  /** `gone` when the multipart upload no longer exists (completed or aborted). */
  complete(
    target: MultipartTarget & { readonly parts: readonly StoredPart[] },
  ): Promise<'completed' | 'gone'>;
  /** Aborts; one that no longer exists is fine. */
  abort(target: MultipartTarget): Promise<void>;
}

export type PresignGetRequest = {
  readonly bucket: string;
  readonly key: string;
  /** The object version to serve (the one verified); the current one when absent. */
  readonly versionId?: string | null | undefined;
  readonly expiresInSeconds: number;
  /** Served as this type, whatever the object says. */
  readonly contentType?: string | undefined;
  /** Served as an attachment with this file name. */
  readonly downloadName?: string | undefined;
};

export interface DownloadUrlSigner {
  presignGet(request: PresignGetRequest): Promise<{ url: string }>;
}
