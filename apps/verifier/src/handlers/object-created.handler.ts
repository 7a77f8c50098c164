import type { Readable } from 'node:stream';
import {
  judgeObject,
  parseS3Notification,
  PermanentFailure,
  type MeasuredObject,
  type MessageHandler,
  type S3ObjectEvent,
  type ScanRequested,
  type Upload,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import type { PgObjectIncidents, PgUploadRepository } from '@airlock/postgres';
import type { S3ObjectStore } from '@airlock/s3';

export type VerifierDependencies = {
  readonly uploads: Pick<PgUploadRepository, 'findByObject' | 'transition' | 'markScanRequested'>;
  readonly objects: Pick<S3ObjectStore, 'open' | 'move'>;
  readonly inspect: (body: Readable) => Promise<MeasuredObject>;
  readonly scanJobs: { publish(job: ScanRequested): Promise<unknown> };
  readonly incidents: Pick<PgObjectIncidents, 'record'>;
  readonly logger: Logger;
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
): MessageHandler {
  const { uploads, objects, logger } = deps;

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
    await deps.scanJobs.publish({
      type: 'scan.requested',
      version: 1,
      producedBy: ACTOR,
      uploadId: upload.id,
      bucket: upload.bucket,
      key: upload.key,
      sha256: upload.declaredSha256,
      contentType: detectedContentType,
      size: upload.declaredSize,
      requestedAt: new Date().toISOString(),
    });
    await uploads.markScanRequested(upload.id);
  }

  /** Streams the object once; `undefined` when it is gone. */
  async function measure(
    event: S3ObjectEvent,
  ): Promise<{ measured: MeasuredObject; eTag: string | undefined } | undefined> {
    const opened = await objects.open({ bucket: event.bucket, key: event.key });
    if (!opened) return undefined;
    return { measured: await deps.inspect(opened.body), eTag: opened.eTag };
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
    const result = await measure(event);
    if (!result) {
      await uploads.transition({
        uploadId: upload.id,
        to: 'rejected',
        reason: 'object_missing',
        actor: ACTOR,
      });
      return;
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
      await uploads.transition({
        uploadId: upload.id,
        to: 'rejected',
        reason: judgement.reason,
        actor: ACTOR,
        detail: {
          detail: judgement.detail,
          measuredSha256: result.measured.sha256Hex,
          measuredSize: result.measured.size,
        },
      });
      await quarantine(event, upload, judgement.reason, false);
      logger.info({ uploadId: upload.id, reason: judgement.reason }, 'upload rejected');
      return;
    }
    const verified = await uploads.transition({
      uploadId: upload.id,
      to: 'verified',
      actor: ACTOR,
      detectedContentType: judgement.detectedContentType,
      verifiedEtag: result.eTag ?? event.eTag,
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
    if (event.eTag !== undefined && event.eTag === upload.verifiedEtag) {
      if (upload.state === 'verified' && upload.scanRequestedAt === null)
        await requestScan(upload, detected);
      return;
    }
    const result = await measure(event);
    if (!result) return;
    if (
      result.measured.sha256Hex === upload.declaredSha256 &&
      result.measured.size === upload.declaredSize
    ) {
      if (upload.state === 'verified' && upload.scanRequestedAt === null)
        await requestScan(upload, detected);
      return;
    }
    // Other bytes under a verified key: a leaked URL replayed against a store
    // that does not enforce the signed checksum. Neither copy is trusted.
    await uploads.transition({
      uploadId: upload.id,
      to: 'rejected',
      reason: 'content_replaced',
      actor: ACTOR,
    });
    await quarantine(event, upload, 'content_replaced');
  }

  async function handleObject(event: S3ObjectEvent): Promise<void> {
    if (event.bucket !== settings.uploadsBucket) {
      throw new PermanentFailure(
        'unexpected_bucket',
        `event for bucket ${event.bucket}, expected ${settings.uploadsBucket}`,
      );
    }
    const upload = await uploads.findByObject(event.bucket, event.key);
    if (!upload) return quarantine(event, undefined, 'unknown_object');
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

  return async (body) => {
    const notification = parseS3Notification(body);
    if (!notification)
      throw new PermanentFailure('unparseable_message', 'not an S3 event notification');
    if (notification.kind === 'test') return 'success';
    for (const object of notification.objects) await handleObject(object);
    return 'success';
  };
}
