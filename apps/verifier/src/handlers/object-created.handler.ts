import type { Readable } from 'node:stream';
import {
  judgeObject,
  scanRequested,
  unsignedMetadata,
  NO_PIPELINE_METRICS,
  PermanentFailure,
  type MeasuredObject,
  type MessageHandler,
  type ObjectIncidents,
  type ObjectStore,
  type OpenedObject,
  type PipelineMetrics,
  type S3Notification,
  type S3ObjectEvent,
  type ScanRequested,
  type Upload,
  type UploadProgress,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import { continueUploadTrace, SpanKind } from '@airlock/tracing';

export type VerifierDependencies = {
  readonly uploads: Pick<
    UploadProgress,
    'findByObject' | 'transition' | 'markScanRequested' | 'issuerRevoked'
  >;
  readonly objects: Pick<ObjectStore, 'open' | 'move'>;
  readonly inspect: (body: Readable) => Promise<MeasuredObject>;
  readonly scanJobs: { publish(job: ScanRequested): Promise<unknown> };
  readonly incidents: Pick<ObjectIncidents, 'record'>;
  readonly logger: Logger;
  /** @defaultValue records nothing */
  readonly metrics?: Pick<PipelineMetrics, 'verificationFailed'>;
};

export type VerifierSettings = {
  readonly uploadsBucket: string;
  readonly quarantineBucket: string;
};

const ACTOR = 'verifier';

/**
 * S3 ObjectCreated → the stored bytes are measured and judged against the
 * upload's claims. Idempotent: a replayed event finds the upload moved on and
 * at most re-checks the object; every state change is a compare-and-set.
 */
export function createObjectCreatedHandler(
  deps: VerifierDependencies,
  settings: VerifierSettings,
): MessageHandler<S3Notification> {
  const { uploads, objects, logger } = deps;
  const metrics = deps.metrics ?? NO_PIPELINE_METRICS;

  /** Moves the upload to `rejected`; counted when the move took effect (not on a replay). */
  async function rejectUpload(
    upload: Upload,
    reason: string,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    const moved = await uploads.transition({
      uploadId: upload.id,
      to: 'rejected',
      reason,
      actor: ACTOR,
      ...(detail ? { detail } : {}),
    });
    if (moved) metrics.verificationFailed(reason);
  }

  /**
   * Moves the object out of `uploads`. Objects nobody was waiting for are also
   * recorded as incidents; a rejection is already in the upload's history.
   */
  async function quarantine(
    event: S3ObjectEvent,
    upload: Upload | undefined,
    reason: string,
    asIncident = true,
  ): Promise<void> {
    const target = {
      bucket: settings.quarantineBucket,
      key: `${upload?.id ?? 'unmatched'}/${event.key}`,
    };
    const moved = await objects.move({ bucket: event.bucket, key: event.key }, target, {
      'airlock-reason': reason,
      ...(upload ? { 'airlock-upload-id': upload.id } : {}),
    });
    if (!moved) return;
    logger.warn({ key: event.key, uploadId: upload?.id, reason }, 'object moved to quarantine');
    if (asIncident) {
      await deps.incidents.record({
        bucket: event.bucket,
        key: event.key,
        eTag: event.eTag,
        size: event.size,
        uploadId: upload?.id,
        reason,
        quarantine: target,
      });
    }
  }

  async function requestScan(upload: Upload, detectedContentType: string): Promise<void> {
    await deps.scanJobs.publish(
      scanRequested(upload, { producedBy: ACTOR, contentType: detectedContentType }),
    );
    await uploads.markScanRequested(upload.id);
  }

  type Measurement = Omit<OpenedObject, 'body' | 'sha256' | 'size'> & {
    readonly measured: MeasuredObject;
  };

  /** Streams the current object once; `undefined` when it is gone. */
  async function measure(event: S3ObjectEvent): Promise<Measurement | undefined> {
    const opened = await objects.open({ bucket: event.bucket, key: event.key });
    if (!opened) return undefined;
    return {
      measured: await deps.inspect(opened.body),
      eTag: opened.eTag,
      versionId: opened.versionId,
      headers: opened.headers,
    };
  }

  /** Rejects the upload (reason first, so a crash leaves it for the replay) and moves the object out. */
  async function reject(
    upload: Upload,
    event: S3ObjectEvent,
    reason: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await rejectUpload(upload, reason, detail);
    await quarantine(event, upload, reason, false);
    logger.info({ uploadId: upload.id, reason }, 'upload rejected');
  }

  async function verifyArrival(upload: Upload, event: S3ObjectEvent): Promise<void> {
    if (upload.state === 'pending') {
      await uploads.transition({
        uploadId: upload.id,
        to: 'uploaded',
        actor: ACTOR,
        detail: { eTag: event.eTag, size: event.size },
      });
    }
    // A revoked key's URLs die with it: bytes that arrive through one are not
    // taken, however valid the signature still is.
    if (await uploads.issuerRevoked(upload.id)) {
      return reject(upload, event, 'issuer_revoked', { apiKeyId: upload.apiKeyId });
    }
    const result = await measure(event);
    if (!result) return rejectUpload(upload, 'object_missing');
    // Only Content-Type, Content-Length and the checksum were signed: any other
    // header the object carries (Content-Encoding, Cache-Control, x-amz-meta-*…)
    // was added by whoever held the URL, and S3 would serve or act on it.
    const unsigned = unsignedMetadata(upload.declaredContentType, result.headers);
    if (unsigned.length > 0) {
      return reject(upload, event, 'unsigned_metadata', { headers: unsigned });
    }
    const judgement = judgeObject(
      {
        size: upload.declaredSize,
        sha256: upload.declaredSha256,
        contentType: upload.declaredContentType,
      },
      result.measured,
    );
    if (judgement.verdict === 'rejected') {
      // The reason is durable before the object moves: a crash in between
      // leaves a rejected upload whose object the replay quarantines.
      return reject(upload, event, judgement.reason, {
        detail: judgement.detail,
        measuredSha256: result.measured.sha256Hex,
        measuredSize: result.measured.size,
      });
    }
    const verified = await uploads.transition({
      uploadId: upload.id,
      to: 'verified',
      actor: ACTOR,
      detectedContentType: judgement.detectedContentType,
      verifiedEtag: result.eTag ?? event.eTag,
      versionId: result.versionId,
      detail: { sha256: result.measured.sha256Hex, size: result.measured.size },
    });
    if (verified) {
      await requestScan(verified, judgement.detectedContentType);
      logger.info({ uploadId: upload.id }, 'upload verified');
    }
  }

  /** An event for an upload that already moved past arrival: a replay, or a second PUT. */
  async function recheck(upload: Upload, event: S3ObjectEvent): Promise<void> {
    const detected = upload.detectedContentType ?? upload.declaredContentType;
    const catchUp = async () => {
      if (upload.state === 'verified' && upload.scanRequestedAt === null)
        await requestScan(upload, detected);
    };
    // The very version that was verified: a replayed event. (An equal eTag
    // proves nothing: it is an MD5, or not even that for multipart objects.)
    if (event.versionId !== undefined && event.versionId === upload.versionId) return catchUp();
    const result = await measure(event);
    if (!result) return;
    const unsigned = unsignedMetadata(upload.declaredContentType, result.headers);
    if (
      result.measured.sha256Hex === upload.declaredSha256 &&
      result.measured.size === upload.declaredSize &&
      unsigned.length === 0
    ) {
      return catchUp();
    }
    // Other bytes, or the same bytes with headers nobody signed, under a
    // verified key: a leaked URL used again (against a store that does not
    // enforce the signed checksum, for other bytes). Neither copy is trusted.
    const reason = unsigned.length > 0 ? 'unsigned_metadata' : 'content_replaced';
    await rejectUpload(upload, reason, {
      measuredSha256: result.measured.sha256Hex,
      measuredSize: result.measured.size,
      ...(unsigned.length > 0 ? { headers: unsigned } : {}),
    });
    await quarantine(event, upload, reason);
  }

  async function handleObject(event: S3ObjectEvent): Promise<void> {
    if (event.bucket !== settings.uploadsBucket) {
      throw new PermanentFailure(
        'unexpected_bucket',
        `event for bucket ${event.bucket}, expected ${settings.uploadsBucket}`,
      );
    }
    const upload = await uploads.findByObject(event.bucket, event.key);
    if (!upload) {
      await quarantine(event, undefined, 'unknown_object');
      metrics.verificationFailed('unknown_object');
      return;
    }
    // The PUT's event carries no trace context: the upload's row does.
    return continueUploadTrace('verify upload', upload, { kind: SpanKind.INTERNAL }, () =>
      judgeEvent(upload, event),
    );
  }

  async function judgeEvent(upload: Upload, event: S3ObjectEvent): Promise<void> {
    switch (upload.state) {
      case 'pending':
      case 'uploaded':
        return verifyArrival(upload, event);
      case 'verified':
      case 'clean':
      case 'ready':
        return recheck(upload, event);
      default:
        return quarantine(
          event,
          upload,
          upload.state === 'rejected' ? 'rejected' : `upload_${upload.state}`,
        );
    }
  }

  return async (notification) => {
    if (notification.kind === 'test') return 'success';
    for (const object of notification.objects) await handleObject(object);
    return 'success';
  };
}
