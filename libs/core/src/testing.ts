/**
 * In-memory fakes of the upload ports, for unit tests. They keep the
 * guarantees the real adapters give (one live upload per scope and hash,
 * compare-and-set transitions, an audit trail) and nothing more.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
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
import type { StoredObjectHeaders } from './verification/object-metadata.ts';
import { isWebhookState } from './webhooks/webhook-event.ts';
import type { PipelineMetrics } from './workers/pipeline-metrics.ts';
import type {
  NewObject,
  ObjectIncident,
  ObjectIncidents,
  ObjectRef,
  ObjectStore,
  OpenedObject,
  OpenOptions,
  PendingWebhook,
  PriorVerdict,
  Rendition,
  TransitionRequest,
  UploadProgress,
  UploadRenditions,
  UploadScan,
  UploadScans,
  VerdictKey,
  VerdictMove,
  VersionedRef,
  WebhookAttempt,
  WebhookOutbox,
} from './workers/worker.ports.ts';

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

  /**
   * Like the unique index `uploads_live_content`: `undefined` if a live twin
   * exists. Like the CHECK `uploads_dedup_per_customer`: a scope other than
   * the customer's own (or its token's) is an error.
   */
  async insertPending(upload: NewUpload, actor: string): Promise<Upload | undefined> {
    const ownScope = upload.uploadTokenId
      ? `customer:${upload.customerId}:token:${upload.uploadTokenId}`
      : `customer:${upload.customerId}`;
    if (upload.dedupScope !== ownScope)
      throw new Error(`dedup scope ${upload.dedupScope} is not ${ownScope}`);
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

  async insertPendingUnlessLive(
    upload: NewUpload,
    actor: string,
  ): Promise<{ upload: Upload; created: boolean } | undefined> {
    const live = await this.findLiveByHash(upload.dedupScope, upload.declaredSha256);
    if (live) return { upload: live, created: false };
    const created = await this.insertPending(upload, actor);
    return created && { upload: created, created: true };
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

  /** Revoked or expired: claims no more (gives back stay possible, as in the store). */
  revoke(tokenId: string): void {
    this.#limits.set(tokenId, 0);
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

/* ---- Fakes of the workers' ports (worker.ports.ts) ---- */

/** An upload as a test wants it, everything else filled in. */
export function anUpload(overrides: Partial<Upload> = {}): Upload {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: randomUUID(),
    customerId: 'customer-1',
    siteId: 'site-1',
    dedupScope: 'site-1',
    originalName: 'photo.png',
    declaredContentType: 'image/png',
    declaredSize: 10,
    declaredSha256: 'a'.repeat(64),
    detectedContentType: null,
    category: 'images',
    bucket: 'uploads',
    key: 'tenant/photo.png',
    state: 'pending',
    reason: null,
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(at.getTime() + 3_600_000),
    verifiedEtag: null,
    scanRequestedAt: null,
    mediaRequestedAt: null,
    versionId: null,
    apiKeyId: null,
    ...overrides,
  };
}

export type RecordedTransition = TransitionRequest & { readonly from: UploadState };

/**
 * Uploads as the workers move them: compare-and-set moves following core's
 * state machine. With an `outbox`, a move to a webhook state queues a delivery
 * there when the customer has an endpoint, as the store's trigger does.
 */
export class InMemoryUploadProgress implements UploadProgress {
  readonly #rows = new Map<string, Upload>();
  readonly #revoked = new Set<string>();
  readonly #outbox: InMemoryWebhookOutbox | undefined;
  /** Every move made, oldest first (refused ones are not recorded). */
  readonly transitions: RecordedTransition[] = [];

  constructor(options: { outbox?: InMemoryWebhookOutbox } = {}) {
    this.#outbox = options.outbox;
  }

  add(upload: Upload): Upload {
    this.#rows.set(upload.id, { ...upload });
    return { ...upload };
  }

  revokeIssuer(uploadId: string): void {
    this.#revoked.add(uploadId);
  }

  async find(uploadId: string): Promise<Upload | undefined> {
    const upload = this.#rows.get(uploadId);
    return upload && { ...upload };
  }

  async findByObject(bucket: string, key: string): Promise<Upload | undefined> {
    const matching = [...this.#rows.values()].filter((u) => u.bucket === bucket && u.key === key);
    const waiting = matching.findLast((u) => u.state === 'pending' || u.state === 'uploaded');
    const found = waiting ?? matching.at(-1);
    return found && { ...found };
  }

  async issuerRevoked(uploadId: string): Promise<boolean> {
    return this.#revoked.has(uploadId);
  }

  async markScanRequested(uploadId: string): Promise<boolean> {
    const upload = this.#rows.get(uploadId);
    if (!upload || upload.scanRequestedAt) return false;
    this.#rows.set(uploadId, { ...upload, scanRequestedAt: new Date() });
    return true;
  }

  async markMediaRequested(uploadId: string): Promise<boolean> {
    const upload = this.#rows.get(uploadId);
    if (!upload || upload.mediaRequestedAt) return false;
    this.#rows.set(uploadId, { ...upload, mediaRequestedAt: new Date() });
    return true;
  }

  async transition(request: TransitionRequest): Promise<Upload | undefined> {
    const upload = this.#rows.get(request.uploadId);
    if (!upload || !allowedSources(request.to).includes(upload.state)) return undefined;
    const moved: Upload = {
      ...upload,
      state: request.to,
      reason: request.reason ?? null,
      updatedAt: new Date(),
      ...(request.detectedContentType !== undefined
        ? { detectedContentType: request.detectedContentType }
        : {}),
      ...(request.verifiedEtag !== undefined ? { verifiedEtag: request.verifiedEtag } : {}),
      ...(request.versionId !== undefined ? { versionId: request.versionId } : {}),
    };
    this.#rows.set(upload.id, moved);
    this.transitions.push({ ...request, from: upload.state });
    this.#outbox?.queue(moved);
    return { ...moved };
  }
}

/**
 * Scans recorded with their moves, made through an {@link InMemoryUploadProgress}.
 * A scan's id is its position in {@link scans}, from 1.
 */
export class InMemoryUploadScans implements UploadScans {
  readonly scans: UploadScan[] = [];

  readonly #uploads: InMemoryUploadProgress;

  constructor(uploads: InMemoryUploadProgress) {
    this.#uploads = uploads;
  }

  async record(scan: UploadScan): Promise<void> {
    this.scans.push({ ...scan });
  }

  async recordVerdict(scan: UploadScan, move?: VerdictMove): Promise<Upload | undefined> {
    this.scans.push({ ...scan });
    if (!move) return undefined;
    return this.#uploads.transition({ uploadId: scan.uploadId, ...move });
  }

  async latestVerdict(key: VerdictKey): Promise<PriorVerdict | undefined> {
    for (let at = this.scans.length - 1; at >= 0; at--) {
      const scan = this.scans[at]!;
      if (scan.engine !== key.engine || scan.signatures !== key.signatures) continue;
      const upload = await this.#uploads.find(scan.uploadId);
      if (upload?.customerId !== key.customerId || upload.declaredSha256 !== key.sha256) continue;
      return { scanId: scan.reusedFrom ?? String(at + 1), result: scan.result };
    }
    return undefined;
  }
}

export class InMemoryUploadRenditions implements UploadRenditions {
  readonly #rows = new Map<string, Rendition[]>();

  /** Upserts by name, as the store does: a name the new list lacks is kept. */
  async save(uploadId: string, renditions: readonly Rendition[]): Promise<void> {
    const byName = new Map((this.#rows.get(uploadId) ?? []).map((r) => [r.name, r]));
    for (const r of renditions) byName.set(r.name, { ...r });
    this.#rows.set(uploadId, [...byName.values()]);
  }

  /** Ordered by name, as the store orders them. */
  async forUpload(uploadId: string): Promise<Rendition[]> {
    return (this.#rows.get(uploadId) ?? [])
      .map((r) => ({ ...r }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async remove(uploadId: string): Promise<void> {
    this.#rows.delete(uploadId);
  }
}

export class InMemoryObjectIncidents implements ObjectIncidents {
  readonly incidents: ObjectIncident[] = [];

  async record(incident: ObjectIncident): Promise<void> {
    this.incidents.push({ ...incident });
  }
}

type StoredObject = {
  body: Buffer;
  contentType: string;
  headers: StoredObjectHeaders;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  versionId: string | undefined;
  eTag: string;
};

const objectId = (ref: ObjectRef) => `${ref.bucket}/${ref.key}`;

/** Objects held in memory; a version id per write when `versioned`. */
export class InMemoryObjectStore implements ObjectStore {
  readonly #objects = new Map<string, StoredObject>();
  readonly #versioned: boolean;

  constructor(options: { versioned?: boolean } = {}) {
    this.#versioned = options.versioned ?? false;
  }

  /** Stores bytes with the headers S3 would serve (`contentType` among them). */
  add(
    ref: ObjectRef,
    body: Buffer | string,
    headers: StoredObjectHeaders = {},
  ): string | undefined {
    const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const versionId = this.#versioned ? randomUUID() : undefined;
    this.#objects.set(objectId(ref), {
      body: buffer,
      contentType: headers.contentType ?? 'application/octet-stream',
      headers: { ...headers },
      metadata: {},
      tags: {},
      versionId,
      // Unquoted, as S3ObjectStore hands it out.
      eTag: createHash('md5').update(buffer).digest('hex'),
    });
    return versionId;
  }

  has(ref: ObjectRef): boolean {
    return this.#objects.has(objectId(ref));
  }

  get(ref: ObjectRef): { body: Buffer; metadata: Record<string, string> } | undefined {
    const stored = this.#objects.get(objectId(ref));
    return stored && { body: stored.body, metadata: { ...stored.metadata } };
  }

  async open(object: VersionedRef, options: OpenOptions = {}): Promise<OpenedObject | undefined> {
    const stored = this.#objects.get(objectId(object));
    if (!stored) return undefined;
    if (object.versionId && stored.versionId !== object.versionId) return undefined;
    let digest: string | undefined;
    const hash = options.sha256 ? createHash('sha256') : undefined;
    const body = Readable.from([stored.body]);
    if (hash) {
      body.on('data', (chunk: Buffer) => hash.update(chunk));
      body.on('end', () => (digest = hash.digest('hex')));
    }
    return {
      body,
      size: stored.body.length,
      eTag: stored.eTag,
      versionId: stored.versionId,
      headers: { ...stored.headers },
      sha256: () => digest,
    };
  }

  async move(from: ObjectRef, to: ObjectRef, metadata: Record<string, string>): Promise<boolean> {
    const stored = this.#objects.get(objectId(from));
    if (!stored) return false;
    // The copy's user metadata is `metadata` alone, as S3's REPLACE directive makes it.
    this.#objects.set(objectId(to), {
      ...stored,
      metadata: { ...metadata },
      headers: { ...stored.headers, userMetadata: { ...metadata } },
    });
    this.#objects.delete(objectId(from));
    return true;
  }

  async tag(object: ObjectRef, tags: Record<string, string>): Promise<boolean> {
    const stored = this.#objects.get(objectId(object));
    if (!stored) return false;
    stored.tags = { ...tags };
    return true;
  }

  async tags(object: ObjectRef): Promise<Record<string, string> | undefined> {
    const stored = this.#objects.get(objectId(object));
    return stored && { ...stored.tags };
  }

  async put(object: NewObject): Promise<void> {
    this.add(object, object.body, { contentType: object.contentType });
  }

  async delete(object: ObjectRef): Promise<void> {
    this.#objects.delete(objectId(object));
  }
}

type WebhookEndpoint = NonNullable<PendingWebhook['endpoint']>;

/**
 * Deliveries as the notifier sees them; `claim` holds one for its seconds or
 * until an attempt is recorded. Endpoints are the customers' current ones:
 * a delivery of a customer whose endpoint was removed has none.
 */
export class InMemoryWebhookOutbox implements WebhookOutbox {
  readonly #rows = new Map<
    string,
    { delivery: Omit<PendingWebhook, 'endpoint'>; claimedUntil: number; claimedBy?: string }
  >();
  readonly #endpoints = new Map<string, WebhookEndpoint>();
  readonly attempts: (WebhookAttempt & { deliveryId: string })[] = [];
  readonly abandoned: { deliveryId: string; reason: string }[] = [];

  /** Stores a delivery; its `endpoint` becomes the customer's (none: removed). */
  add(delivery: PendingWebhook): void {
    const { endpoint, ...rest } = delivery;
    this.setEndpoint(delivery.customerId, endpoint);
    this.#rows.set(delivery.event.deliveryId, { delivery: rest, claimedUntil: 0 });
  }

  setEndpoint(customerId: string, endpoint: WebhookEndpoint | undefined): void {
    if (endpoint) this.#endpoints.set(customerId, { ...endpoint });
    else this.#endpoints.delete(customerId);
  }

  /** What the store's trigger does for a move: a delivery when it is terminal and the customer has an endpoint. */
  queue(moved: Upload): void {
    if (!isWebhookState(moved.state) || !this.#endpoints.has(moved.customerId)) return;
    const deliveryId = randomUUID();
    const event = {
      deliveryId,
      uploadId: moved.id,
      siteId: moved.siteId,
      state: moved.state,
      reason: moved.reason ?? undefined,
      occurredAt: moved.updatedAt,
      fileName: moved.originalName,
      contentType: moved.declaredContentType,
      size: moved.declaredSize,
      sha256: moved.declaredSha256,
    };
    const delivery = {
      event,
      customerId: moved.customerId,
      attempts: 0,
      deliveredAt: undefined,
      abandonedAt: undefined,
    };
    this.#rows.set(deliveryId, { delivery, claimedUntil: 0 });
  }

  /** The deliveries queued for an upload, oldest first. */
  forUpload(uploadId: string): PendingWebhook[] {
    return [...this.#rows.keys()]
      .map((id) => this.#current(id)!)
      .filter((d) => d.event.uploadId === uploadId);
  }

  async find(deliveryId: string): Promise<PendingWebhook | undefined> {
    return this.#current(deliveryId);
  }

  /** `seconds` defaults to a hold no unit test outlives. */
  async claim(deliveryId: string, holder: string, seconds = 60): Promise<boolean> {
    const row = this.#rows.get(deliveryId);
    const now = Date.now();
    if (!row || row.delivery.deliveredAt || row.delivery.abandonedAt) return false;
    if (row.claimedUntil >= now && row.claimedBy !== holder) return false;
    row.claimedUntil = now + seconds * 1000;
    row.claimedBy = holder;
    return true;
  }

  async recordAttempt(deliveryId: string, attempt: WebhookAttempt): Promise<void> {
    this.attempts.push({ deliveryId, ...attempt });
    const row = this.#rows.get(deliveryId);
    if (!row) return;
    row.claimedUntil = 0;
    row.claimedBy = undefined;
    row.delivery = {
      ...row.delivery,
      attempts: row.delivery.attempts + 1,
      deliveredAt: attempt.delivered ? new Date() : row.delivery.deliveredAt,
    };
  }

  /** The first abandonment stands: a second one changes nothing. */
  async abandon(deliveryId: string, reason: string): Promise<void> {
    this.abandoned.push({ deliveryId, reason });
    const row = this.#rows.get(deliveryId);
    if (row && !row.delivery.abandonedAt)
      row.delivery = { ...row.delivery, abandonedAt: new Date() };
  }

  #current(deliveryId: string): PendingWebhook | undefined {
    const row = this.#rows.get(deliveryId);
    if (!row) return undefined;
    const endpoint = this.#endpoints.get(row.delivery.customerId);
    return { ...row.delivery, endpoint: endpoint && { ...endpoint } };
  }
}

/* ---- Behaviour suites every adapter of a port runs (port-contracts/) ---- */
export * from './port-contracts/index.ts';

/** Keeps what the handlers recorded, durations rounded away: for asserting which events happened. */
export class RecordingPipelineMetrics implements PipelineMetrics {
  readonly events: string[] = [];
  moved(from: UploadState, to: UploadState): void {
    this.events.push(`moved ${from}→${to}`);
  }
  verificationFailed(reason: string): void {
    this.events.push(`verification_failed ${reason}`);
  }
  scanned(verdict: { result: string; source: string; bytes: number }): void {
    this.events.push(`scanned ${verdict.result} ${verdict.source} ${verdict.bytes}`);
  }
  rendered(rendering: { bytes: number }): void {
    this.events.push(`rendered ${rendering.bytes}`);
  }
  webhookDelivery(outcome: string): void {
    this.events.push(`webhook ${outcome}`);
  }
}
