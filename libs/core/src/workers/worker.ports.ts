import type { Readable } from 'node:stream';
import type { ScanResult } from '../scanning/scan-policy.ts';
import type { Upload } from '../uploads/upload.types.ts';
import type { UploadState } from '../upload-state.ts';
import type { StoredObjectHeaders } from '../verification/object-metadata.ts';
import type { WebhookEventSource } from '../webhooks/webhook-event.ts';

/*
 * The ports the workers (verifier, scanner, media, notifier) depend on. The
 * adapters (`@airlock/postgres`, `@airlock/s3`) implement them; the handlers
 * know only these.
 */

/** A compare-and-set move of an upload, with its audit event. */
export type TransitionRequest = {
  readonly uploadId: string;
  readonly to: UploadState;
  readonly reason?: string | null;
  readonly actor: string;
  readonly detail?: Record<string, unknown>;
  /** Set with the move to `verified`: what the bytes turned out to be. */
  readonly detectedContentType?: string;
  readonly verifiedEtag?: string | undefined;
  /** Set with the move to `verified`: the object version whose bytes were checked. */
  readonly versionId?: string | undefined;
};

/** The uploads as the workers move them along. */
export interface UploadProgress {
  find(uploadId: string): Promise<Upload | undefined>;
  /**
   * The upload an object at this key belongs to: the live one waiting for
   * bytes if there is one, else the latest.
   */
  findByObject(bucket: string, key: string): Promise<Upload | undefined>;
  /** True when the API key or upload token that issued the upload has been revoked. */
  issuerRevoked(uploadId: string): Promise<boolean>;
  /** Records that the scan job was sent; false when it already had been. */
  markScanRequested(uploadId: string): Promise<boolean>;
  /** Records that the media job was sent; false when it already had been. */
  markMediaRequested(uploadId: string): Promise<boolean>;
  /**
   * Compare-and-set: moves the upload only from a state the state machine
   * allows, with its audit event. The moved upload, or `undefined` when it was
   * elsewhere (a replay: do nothing).
   */
  transition(request: TransitionRequest): Promise<Upload | undefined>;
}

export type UploadScan = {
  readonly uploadId: string;
  readonly trigger: 'upload' | 'rescan';
  readonly result: ScanResult;
  readonly signature: string | undefined;
  readonly engine: string;
  readonly signatures: string;
  /**
   * Set when clamd was not asked: the id of the scan (of the same bytes, for
   * the same customer, under the same engine and signatures) whose clean
   * verdict was reused.
   */
  readonly reusedFrom?: string | undefined;
};

/** Whose bytes, judged by which engine and signature database: what a verdict is reused by. */
export type VerdictKey = {
  readonly customerId: string;
  readonly sha256: string;
  readonly engine: string;
  readonly signatures: string;
};

/** A verdict on record: the id of the scan clamd made, and what it said. */
export type PriorVerdict = { readonly scanId: string; readonly result: ScanResult };

/** The move a verdict decides: a compare-and-set from a state the state machine allows. */
export type VerdictMove = {
  readonly to: UploadState;
  readonly reason?: string | null;
  readonly actor: string;
  readonly detail?: Record<string, unknown>;
};

export interface UploadScans {
  record(scan: UploadScan): Promise<void>;
  /**
   * A verdict and the move it decides, together or not at all. The scan is
   * recorded even when the upload had already moved. The moved upload, or
   * `undefined` when there was no move or it was elsewhere.
   */
  recordVerdict(scan: UploadScan, move?: VerdictMove): Promise<Upload | undefined>;
  /**
   * The latest verdict recorded on these bytes (SHA-256) among the customer's
   * own uploads, under exactly this engine and signature version, whatever it
   * said; `undefined` when there is none. A reused verdict answers with the
   * scan it was reused from, so `scanId` always names a scan clamd made.
   */
  latestVerdict(key: VerdictKey): Promise<PriorVerdict | undefined>;
}

export type Rendition = {
  readonly name: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly size: number;
  readonly bucket: string;
  readonly key: string;
};

export interface UploadRenditions {
  /** Idempotent: a replayed job overwrites what the first one wrote. */
  save(uploadId: string, renditions: readonly Rendition[]): Promise<void>;
  forUpload(uploadId: string): Promise<Rendition[]>;
  remove(uploadId: string): Promise<void>;
}

/** An object nobody was waiting for (or that broke the rules), moved to quarantine. */
export type ObjectIncident = {
  readonly bucket: string;
  readonly key: string;
  readonly eTag: string | undefined;
  readonly size: number | undefined;
  readonly uploadId: string | undefined;
  readonly reason: string;
  readonly quarantine: { bucket: string; key: string } | undefined;
};

export interface ObjectIncidents {
  record(incident: ObjectIncident): Promise<void>;
}

/** A delivery with everything needed to send it, as of now. */
export type PendingWebhook = {
  readonly event: WebhookEventSource;
  readonly customerId: string;
  readonly attempts: number;
  /** Set once a 2xx came back: a replayed job does nothing. */
  readonly deliveredAt: Date | undefined;
  readonly abandonedAt: Date | undefined;
  /** The customer's endpoint now; undefined once it was removed. */
  readonly endpoint: { readonly url: string; readonly secret: string } | undefined;
};

export type WebhookAttempt = {
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly delivered: boolean;
};

/** The webhook deliveries the notifier sends. */
export interface WebhookOutbox {
  find(deliveryId: string): Promise<PendingWebhook | undefined>;
  /**
   * Holds the delivery for `seconds` on behalf of `holder` (the job's message
   * id); false when it is delivered, abandoned, or another holder has it. The
   * same holder may claim again: its message came back because its last
   * receiver died mid-attempt, and no other copy would send it.
   */
  claim(deliveryId: string, holder: string, seconds: number): Promise<boolean>;
  /** Records the attempt and ends its claim. */
  recordAttempt(deliveryId: string, attempt: WebhookAttempt): Promise<void>;
  abandon(deliveryId: string, reason: string): Promise<void>;
}

/**
 * `reject`: an image sharp cannot decode within the limits is rejected, with
 * `image_unprocessable: <sharp's message>` as the reason.
 * `ready`: it is served as it is, with no renditions; the message is kept in
 * the transition's detail.
 */
export type MediaFailurePolicy = 'reject' | 'ready';

export type ObjectRef = { readonly bucket: string; readonly key: string };

/** An object, optionally one version of it (`null`/absent: the current one). */
export type VersionedRef = ObjectRef & { readonly versionId?: string | null | undefined };

export type OpenOptions = {
  readonly signal?: AbortSignal | undefined;
  /** Hash the bytes as the body is read: {@link OpenedObject.sha256} then answers. */
  readonly sha256?: boolean | undefined;
};

export type NewObject = ObjectRef & { readonly contentType: string; readonly body: Buffer };

export type OpenedObject = {
  readonly body: Readable;
  readonly size: number;
  readonly eTag: string | undefined;
  /** The version read; `undefined` where the store keeps no versions. */
  readonly versionId: string | undefined;
  /** What S3 would serve with the object besides its bytes. */
  readonly headers: StoredObjectHeaders;
  /**
   * Hex SHA-256 of the body, once it was read to its end (opened with
   * `sha256: true`); `undefined` before that, or when it was not read whole.
   */
  readonly sha256: () => string | undefined;
};

/** Object reads and moves, in domain terms: a missing object is `undefined`/`false`, not an error. */
export interface ObjectStore {
  /** The version given, else the current one; `undefined` when it (or that version) is gone. */
  open(object: VersionedRef, options?: OpenOptions): Promise<OpenedObject | undefined>;
  /**
   * Copies the object (with `metadata` replacing its own) and then deletes the
   * source. Safe to repeat: false when the source is already gone.
   */
  move(from: ObjectRef, to: ObjectRef, metadata: Record<string, string>): Promise<boolean>;
  /** Replaces the object's tags; false when the object is gone. */
  tag(object: ObjectRef, tags: Record<string, string>): Promise<boolean>;
  /** `undefined` when the object is gone. */
  tags(object: ObjectRef): Promise<Record<string, string> | undefined>;
  /** Creates or overwrites the object. */
  put(object: NewObject): Promise<void>;
  /** Deletes the object; deleting one that is gone is not an error. */
  delete(object: ObjectRef): Promise<void>;
}
