/**
 * In-memory fakes of the upload ports, for unit tests. They keep the
 * guarantees the real adapters give (one live upload per scope and hash,
 * compare-and-set transitions, an audit trail) and nothing more.
 */
import { randomUUID } from 'node:crypto';
import { allowedSources, DEAD_STATES, type UploadState } from './upload-state.ts';
import type { StoredPart } from './uploads/multipart-plan.ts';
import type {
  FormPostSigner,
  MultipartRecord,
  MultipartStore,
  MultipartTarget,
  PresignedPost,
  PresignedRequest,
  PresignPartRequest,
  PresignPutRequest,
  SiteDirectory,
  UploadRepository,
  UploadTokenCounter,
  UploadUrlSigner,
} from './uploads/upload.ports.ts';
import type { NewUpload, Site, Upload, UploadTransition } from './uploads/upload.types.ts';

export class InMemorySiteDirectory implements SiteDirectory {
  readonly #sites = new Map<string, Site>();

  add(site: Site): this {
    this.#sites.set(site.id, { ...site });
    return this;
  }

  async findSite(siteId: string): Promise<Site | undefined> {
    const site = this.#sites.get(siteId);
    return site && { ...site };
  }
}

type StoredUpload = { upload: Upload; history: UploadTransition[] };

const isLive = (state: UploadState): boolean => !DEAD_STATES.includes(state);

export class InMemoryUploadRepository implements UploadRepository {
  readonly #rows = new Map<string, StoredUpload>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async findLiveByHash(dedupScope: string, sha256: string): Promise<Upload | undefined> {
    const row = this.#findLive(dedupScope, sha256);
    return row && { ...row.upload };
  }

  /** Like the unique index `uploads_live_content`: `undefined` if a live twin exists. */
  async insertPending(upload: NewUpload, actor: string): Promise<Upload | undefined> {
    if (this.#findLive(upload.dedupScope, upload.declaredSha256)) return undefined;
    const at = this.#now();
    const stored: Upload = {
      ...upload,
      id: randomUUID(),
      state: 'pending',
      reason: null,
      detectedContentType: null,
      createdAt: at,
      updatedAt: at,
      verifiedEtag: null,
      scanRequestedAt: null,
      mediaRequestedAt: null,
      versionId: null,
      apiKeyId: upload.apiKeyId ?? null,
    };
    const history: UploadTransition[] = [
      { fromState: null, toState: 'pending', reason: null, actor, at },
    ];
    this.#rows.set(stored.id, { upload: stored, history });
    return { ...stored };
  }

  /** Never shortens: the later of the stored and the requested expiry wins. */
  async extendPending(
    uploadId: string,
    expiresAt: Date,
    apiKeyId?: string,
  ): Promise<Upload | undefined> {
    const row = this.#rows.get(uploadId);
    if (row?.upload.state !== 'pending') return undefined;
    const later = Math.max(row.upload.expiresAt.getTime(), expiresAt.getTime());
    row.upload = {
      ...row.upload,
      expiresAt: new Date(later),
      updatedAt: this.#now(),
      apiKeyId: apiKeyId ?? row.upload.apiKeyId,
    };
    return { ...row.upload };
  }

  async findWithHistory(
    uploadId: string,
  ): Promise<{ upload: Upload; history: UploadTransition[] } | undefined> {
    const row = this.#rows.get(uploadId);
    return row && { upload: { ...row.upload }, history: row.history.map((t) => ({ ...t })) };
  }

  async find(uploadId: string): Promise<Upload | undefined> {
    const row = this.#rows.get(uploadId);
    return row && { ...row.upload };
  }

  async attachMultipart(
    uploadId: string,
    multipart: MultipartRecord,
    expiresAt: Date,
    apiKeyId?: string,
  ): Promise<Upload | undefined> {
    const row = this.#rows.get(uploadId);
    if (row?.upload.state !== 'pending' || row.upload.multipartUploadId) return undefined;
    row.upload = {
      ...row.upload,
      ...multipart,
      expiresAt: new Date(Math.max(row.upload.expiresAt.getTime(), expiresAt.getTime())),
      updatedAt: this.#now(),
      apiKeyId: apiKeyId ?? row.upload.apiKeyId,
    };
    return { ...row.upload };
  }

  async markMultipartCompleted(uploadId: string, apiKeyId?: string): Promise<Upload | undefined> {
    const row = this.#rows.get(uploadId);
    if (!row?.upload.multipartUploadId || row.upload.multipartCompletedAt) return undefined;
    const at = this.#now();
    row.upload = {
      ...row.upload,
      multipartCompletedAt: at,
      updatedAt: at,
      apiKeyId: apiKeyId ?? row.upload.apiKeyId,
    };
    return { ...row.upload };
  }

  async cancelPending(uploadId: string, actor: string): Promise<Upload | undefined> {
    const row = this.#rows.get(uploadId);
    if (row?.upload.state !== 'pending' || row.upload.multipartCompletedAt) return undefined;
    return this.transition(uploadId, 'expired', { actor, reason: 'cancelled' });
  }

  /**
   * Compare-and-set, as the real store does it: moves the upload only from a
   * state the state machine allows, else returns `undefined` and changes nothing.
   */
  async transition(
    uploadId: string,
    to: UploadState,
    options: { actor: string; reason?: string | null },
  ): Promise<Upload | undefined> {
    const row = this.#rows.get(uploadId);
    if (!row || !allowedSources(to).includes(row.upload.state)) return undefined;
    const at = this.#now();
    const reason = options.reason ?? null;
    row.history.push({
      fromState: row.upload.state,
      toState: to,
      reason,
      actor: options.actor,
      at,
    });
    row.upload = { ...row.upload, state: to, reason, updatedAt: at };
    return { ...row.upload };
  }

  /** Every stored upload, live or dead, in insertion order. */
  all(): Upload[] {
    return [...this.#rows.values()].map((row) => ({ ...row.upload }));
  }

  #findLive(dedupScope: string, sha256: string): StoredUpload | undefined {
    for (const row of this.#rows.values()) {
      const { upload } = row;
      if (
        upload.dedupScope === dedupScope &&
        upload.declaredSha256 === sha256 &&
        isLive(upload.state)
      ) {
        return row;
      }
    }
    return undefined;
  }
}

/**
 * Returns a deterministic fake URL and exactly the headers the S3 signer
 * returns; `calls` keeps every request, oldest first.
 */
export class RecordingUrlSigner implements UploadUrlSigner {
  readonly calls: PresignPutRequest[] = [];

  async presignPut(request: PresignPutRequest): Promise<PresignedRequest> {
    this.calls.push({ ...request });
    const checksum = Buffer.from(request.sha256Hex, 'hex').toString('base64');
    return {
      method: 'PUT',
      url: `https://signed.example.test/${request.bucket}/${request.key}?expires=${request.expiresInSeconds}`,
      headers: { 'Content-Type': request.contentType, 'x-amz-checksum-sha256': checksum },
    };
  }
}

/** Like RecordingUrlSigner, for form POSTs: the policy's conditions as fields. */
export class RecordingFormSigner implements FormPostSigner {
  readonly calls: PresignPutRequest[] = [];

  async presignPost(request: PresignPutRequest): Promise<PresignedPost> {
    this.calls.push({ ...request });
    return {
      method: 'POST',
      url: `https://signed.example.test/${request.bucket}`,
      fields: {
        key: request.key,
        'Content-Type': request.contentType,
        'x-amz-checksum-sha256': Buffer.from(request.sha256Hex, 'hex').toString('base64'),
        Policy: `expires=${request.expiresInSeconds}`,
      },
    };
  }
}

/**
 * S3's multipart API in memory: uploads by UploadId, parts put with
 * {@link InMemoryMultipartStore.putPart}; `calls` names every operation.
 */
export class InMemoryMultipartStore implements MultipartStore {
  readonly calls: string[] = [];
  readonly uploads = new Map<
    string,
    { bucket: string; key: string; contentType: string; parts: Map<number, StoredPart> }
  >();
  readonly completed: { target: MultipartTarget; parts: readonly StoredPart[] }[] = [];
  readonly signed: PresignPartRequest[] = [];
  #next = 0;

  async create(request: { bucket: string; key: string; contentType: string }): Promise<string> {
    this.calls.push('create');
    const uploadId = `mpu-${++this.#next}`;
    this.uploads.set(uploadId, { ...request, parts: new Map() });
    return uploadId;
  }

  async presignPart(request: PresignPartRequest): Promise<PresignedRequest> {
    this.calls.push('presignPart');
    this.signed.push({ ...request });
    return {
      method: 'PUT',
      url: `https://signed.example.test/${request.bucket}/${request.key}?partNumber=${request.partNumber}&uploadId=${request.uploadId}&expires=${request.expiresInSeconds}`,
      headers: {
        'x-amz-checksum-sha256': Buffer.from(request.sha256Hex, 'hex').toString('base64'),
      },
    };
  }

  /** What a client's PUT of a part would store. */
  putPart(uploadId: string, partNumber: number, size: number): void {
    this.uploads.get(uploadId)!.parts.set(partNumber, {
      partNumber,
      size,
      etag: `"etag-${partNumber}-${size}"`,
      checksumSha256: `sum-${partNumber}`,
    });
  }

  async listParts(target: MultipartTarget): Promise<StoredPart[] | undefined> {
    this.calls.push('listParts');
    const upload = this.uploads.get(target.uploadId);
    return upload && [...upload.parts.values()];
  }

  async complete(
    target: MultipartTarget & { parts: readonly StoredPart[] },
  ): Promise<'completed' | 'gone'> {
    this.calls.push('complete');
    if (!this.uploads.delete(target.uploadId)) return 'gone';
    const { parts, ...rest } = target;
    this.completed.push({ target: rest, parts });
    return 'completed';
  }

  async abort(target: MultipartTarget): Promise<void> {
    this.calls.push('abort');
    this.uploads.delete(target.uploadId);
  }
}

/** Like `upload_tokens.uploads_created`: counts up to each token's limit, never past it. */
export class InMemoryUploadTokenCounter implements UploadTokenCounter {
  readonly #limits = new Map<string, number>();
  readonly created = new Map<string, number>();

  add(tokenId: string, maxUploads: number): this {
    this.#limits.set(tokenId, maxUploads);
    this.created.set(tokenId, 0);
    return this;
  }

  async claimUpload(tokenId: string): Promise<boolean> {
    const limit = this.#limits.get(tokenId) ?? 0;
    const created = this.created.get(tokenId) ?? 0;
    if (created >= limit) return false;
    this.created.set(tokenId, created + 1);
    return true;
  }

  async releaseUpload(tokenId: string): Promise<void> {
    this.created.set(tokenId, Math.max(0, (this.created.get(tokenId) ?? 0) - 1));
  }
}
