import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  decideAfterScan,
  exceedsScanLimit,
  mediaRequested,
  NO_PIPELINE_METRICS,
  PermanentFailure,
  secondsSince,
  SCAN_MAX_BYTES_SIGNATURE,
  type LimitsPolicy,
  type MediaRequested,
  type MessageHandler,
  type ObjectStore,
  type PipelineMetrics,
  type ScanJob,
  type ScanResult,
  type Upload,
  type UploadProgress,
  type UploadRenditions,
  type UploadScans,
} from '@airlock/core';
import type { Logger } from '@airlock/runtime';
import { inSpan, SpanKind, withUpload } from '@airlock/tracing';

export type ScanVerdict = {
  result: ScanResult;
  signature?: string;
  engine: string;
  signatures: string;
  /** The scan whose clean verdict this is, when clamd was not asked. */
  reusedFrom?: string;
};

export type ScannerDependencies = {
  readonly uploads: Pick<UploadProgress, 'find' | 'transition' | 'markMediaRequested'>;
  /** Records a verdict together with the move it decides (one statement); finds one to reuse. */
  readonly scans: Pick<UploadScans, 'recordVerdict' | 'latestVerdict'>;
  readonly objects: Pick<ObjectStore, 'open' | 'move' | 'tag' | 'delete'>;
  readonly renditions: Pick<UploadRenditions, 'forUpload' | 'remove'>;
  /** Streams the bytes to clamd. Throws when there is no definite answer: never a verdict then. */
  readonly scan: (body: Readable) => Promise<ScanVerdict>;
  /**
   * clamd's engine and signature versions, recorded with a verdict reached
   * without a scan; possibly a few seconds old, unless `fresh`.
   */
  readonly version: (options?: { fresh?: boolean }) => Promise<EngineVersion>;
  readonly mediaJobs: { publish(job: MediaRequested): Promise<unknown> };
  readonly logger: Logger;
  /** @defaultValue records nothing */
  readonly metrics?: Pick<PipelineMetrics, 'scanned'>;
};

export type ScannerSettings = {
  readonly quarantineBucket: string;
  readonly limitsPolicy: LimitsPolicy;
  /**
   * The largest object clamd scans whole (SCAN_MAX_BYTES): a bigger one is
   * never sent, and ends like any limit hit. @defaultValue no cap: clamd's own
   * StreamMaxLength and MaxFileSize answer.
   */
  readonly scanMaxBytes?: number | undefined;
  /**
   * SCAN_VERDICT_REUSE: bytes the same customer already had scanned clean
   * under the same engine and signatures are not sent to clamd again.
   * @defaultValue true
   */
  readonly reuseCleanVerdicts?: boolean | undefined;
  /**
   * SCAN_TAG_CLEAN_OBJECTS: tag clean objects with their verdict too (one more
   * S3 request per file). Hits are always tagged, before they move.
   * @defaultValue false: `upload_scans` is the record of a clean verdict
   */
  readonly tagCleanObjects?: boolean | undefined;
};

type EngineVersion = { readonly engine: string; readonly signatures: string };

const ACTOR = 'scanner';

/**
 * scan.requested → clamd → clean (then media or ready), or quarantined.
 * Fail closed: an error or timeout leaves the upload where it was and the
 * message for a retry; only a definite clean answer moves bytes on.
 */
export function createScanRequestedHandler(
  deps: ScannerDependencies,
  settings: ScannerSettings,
): MessageHandler<ScanJob> {
  const { uploads, objects, logger } = deps;
  const metrics = deps.metrics ?? NO_PIPELINE_METRICS;

  async function requestMedia(upload: Upload): Promise<void> {
    await deps.mediaJobs.publish(mediaRequested(upload, { producedBy: ACTOR }));
    await uploads.markMediaRequested(upload.id);
  }

  /** After `clean`: images go to the media worker, everything else is ready. Repeatable. */
  async function moveOnFromClean(upload: Upload): Promise<void> {
    const decision = decideAfterScan(
      { result: 'clean' },
      upload.detectedContentType ?? upload.declaredContentType,
      settings.limitsPolicy,
    );
    if (decision.next !== 'clean') return;
    if (decision.then === 'ready') {
      await uploads.transition({ uploadId: upload.id, to: 'ready', actor: ACTOR });
    } else if (upload.mediaRequestedAt === null) {
      await requestMedia(upload);
    }
  }

  async function scanUpload(upload: Upload, job: ScanJob): Promise<void> {
    const object = { bucket: upload.bucket, key: upload.key };
    // Larger than clamd reads whole (a category let past SCAN_MAX_BYTES by
    // SCAN_OVERSIZE_CATEGORIES): any answer would be about part of it, so it is
    // not sent at all and ends like a limit hit, never clean.
    if (exceedsScanLimit(upload.declaredSize, settings.scanMaxBytes)) {
      const verdict: ScanVerdict = {
        result: 'limits_exceeded',
        signature: SCAN_MAX_BYTES_SIGNATURE,
        ...(await deps.version()),
      };
      await decide(upload, job, verdict);
      return;
    }
    const reusable = await reusableClean(upload, job);
    // The version that was verified, where the store keeps versions; the bytes
    // are hashed as they are read (by clamd, or through for a reused verdict),
    // so other bytes under the key are caught either way.
    const opened = await objects.open({ ...object, versionId: upload.versionId }, { sha256: true });
    if (!opened) {
      if (upload.state === 'verified') {
        await uploads.transition({
          uploadId: upload.id,
          to: 'rejected',
          reason: 'object_missing',
          actor: ACTOR,
        });
      }
      return;
    }
    const scanStarted = performance.now();
    const verdict = reusable ?? (await deps.scan(opened.body));
    if (reusable) await finished(opened.body.resume());
    metrics.scanned({
      result: verdict.result,
      source: reusable ? 'reused' : 'scanned',
      seconds: secondsSince(scanStarted),
      bytes: reusable ? 0 : opened.size,
    });
    // A verdict is about the bytes clamd read: only if they are the verified
    // ones (equal SHA-256, never an equal eTag) may it move the upload.
    const scannedSha256 = opened.sha256();
    if (scannedSha256 !== undefined && scannedSha256 !== upload.declaredSha256) {
      await contentReplaced(upload, scannedSha256);
      return;
    }
    if (scannedSha256 === undefined && verdict.result === 'clean') {
      throw new Error('clamd answered clean before the object was read whole');
    }
    await decide(upload, job, verdict);
  }

  /**
   * A clean verdict already on record for these bytes: the same customer's
   * (never another's: a faster answer would tell them someone had sent these
   * bytes), under exactly the engine and signatures clamd has now, and the
   * latest verdict there is (a rescan that found them infected since wins).
   * Only for new uploads: a rescan always asks clamd.
   */
  async function reusableClean(upload: Upload, job: ScanJob): Promise<ScanVerdict | undefined> {
    if (job.trigger !== 'upload' || settings.reuseCleanVerdicts === false) return undefined;
    const key = { customerId: upload.customerId, sha256: upload.declaredSha256 };
    const version = await deps.version();
    const prior = await deps.scans.latestVerdict({ ...key, ...version });
    if (prior?.result !== 'clean') return undefined;
    // The version above may be seconds old: a signature update since then is a miss.
    const current = await deps.version({ fresh: true });
    if (current.engine !== version.engine || current.signatures !== version.signatures)
      return undefined;
    return { result: 'clean', ...version, reusedFrom: prior.scanId };
  }

  /** Records a verdict and makes the move it decides. */
  async function decide(upload: Upload, job: ScanJob, verdict: ScanVerdict): Promise<void> {
    const object = { bucket: upload.bucket, key: upload.key };
    const scan = {
      uploadId: upload.id,
      trigger: job.trigger,
      result: verdict.result,
      signature: verdict.signature,
      engine: verdict.engine,
      signatures: verdict.signatures,
      reusedFrom: verdict.reusedFrom,
    };
    const detail = {
      engine: verdict.engine,
      signatures: verdict.signatures,
      ...(verdict.reusedFrom ? { reusedFrom: verdict.reusedFrom } : {}),
    };
    const decision = decideAfterScan(
      verdict,
      upload.detectedContentType ?? upload.declaredContentType,
      settings.limitsPolicy,
    );
    // A hit's verdict travels with the object into quarantine (or stays on it,
    // held); a clean verdict is in upload_scans, which is what the API reads.
    if (verdict.result !== 'clean' || settings.tagCleanObjects) {
      await objects.tag(object, {
        'airlock-scan': verdict.result,
        'airlock-scan-engine': verdict.engine,
        'airlock-scan-signatures': verdict.signatures,
      });
    }

    if (decision.next === 'hold') {
      await deps.scans.recordVerdict(scan);
      logger.warn(
        { uploadId: upload.id, reason: decision.reason },
        'upload held: clamd could not scan it whole',
      );
      return;
    }
    if (decision.next === 'quarantined') {
      // The verdict and the move are one statement, durable before the object
      // moves: a replay finds the upload quarantined and only finishes the move.
      await deps.scans.recordVerdict(scan, {
        to: 'quarantined',
        reason: decision.reason,
        actor: ACTOR,
        detail,
      });
      await quarantine(upload, decision.reason);
      logger.warn({ uploadId: upload.id, signature: verdict.signature }, 'upload quarantined');
      return;
    }
    if (upload.state !== 'verified') {
      await deps.scans.recordVerdict(scan); // a rescan of clean bytes found nothing
      return;
    }
    const clean = await deps.scans.recordVerdict(scan, { to: 'clean', actor: ACTOR, detail });
    if (!clean) return;
    // Its uploadId and trace ids come with the line (withUpload, below).
    logger.info({ reused: verdict.reusedFrom !== undefined }, 'upload clean');
    await moveOnFromClean(clean);
  }

  /**
   * Other bytes than the verified ones under the upload's key (a store without
   * versions, overwritten through a leaked URL): neither copy is trusted.
   */
  async function contentReplaced(upload: Upload, scannedSha256: string): Promise<void> {
    await uploads.transition({
      uploadId: upload.id,
      to: 'rejected',
      reason: 'content_replaced',
      actor: ACTOR,
      detail: { scannedSha256 },
    });
    await quarantine(upload, 'content_replaced');
    logger.warn({ uploadId: upload.id }, 'scanned bytes are not the verified ones: rejected');
  }

  /** Out of `uploads`, and no derivative left behind to be served (a rescan of ready content). */
  async function quarantine(upload: Upload, reason: string): Promise<void> {
    for (const rendition of await deps.renditions.forUpload(upload.id)) {
      await objects.delete({ bucket: rendition.bucket, key: rendition.key });
    }
    await deps.renditions.remove(upload.id);
    await objects.move(
      { bucket: upload.bucket, key: upload.key },
      { bucket: settings.quarantineBucket, key: `${upload.id}/${upload.key}` },
      { 'airlock-reason': reason.slice(0, 512), 'airlock-upload-id': upload.id },
    );
  }

  const handle: MessageHandler<ScanJob> = async (job) => {
    const upload = await uploads.find(job.uploadId);
    if (!upload)
      throw new PermanentFailure('unknown_upload', `upload ${job.uploadId} does not exist`);

    switch (upload.state) {
      case 'verified':
        await scanUpload(upload, job);
        break;
      case 'clean':
        // A crash after the transition: finish what the first delivery began.
        if (job.trigger === 'rescan') await scanUpload(upload, job);
        else await moveOnFromClean(upload);
        break;
      case 'ready':
        if (job.trigger === 'rescan') await scanUpload(upload, job);
        break;
      case 'quarantined':
        await quarantine(upload, upload.reason ?? 'quarantined');
        break;
      default:
        logger.info({ uploadId: upload.id, state: upload.state }, 'nothing to scan');
    }
    return 'success';
  };
  // Every span and log line of the job names its upload.
  return (job, context) =>
    withUpload(job.uploadId, () =>
      inSpan('scan upload', { kind: SpanKind.INTERNAL }, () => handle(job, context)),
    );
}
