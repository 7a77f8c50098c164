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
}

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
  /** Exactly the headers the client must send: each one is signed. */
  readonly headers: Readonly<Record<string, string>>;
};

export interface UploadUrlSigner {
  presignPut(request: PresignPutRequest): Promise<PresignedRequest>;
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
