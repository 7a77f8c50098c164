import type { Readable } from 'node:stream';
import {
  findAllowedType,
  NO_PIPELINE_METRICS,
  PermanentFailure,
  secondsSince,
  type MediaFailurePolicy,
  type MediaRequested,
  type MessageHandler,
  type NewObject as RenditionObject,
  type ObjectStore,
  type PipelineMetrics,
  type Rendition,
  type Upload,
  type UploadProgress,
  type UploadRenditions,
} from '@airlock/core';
import { UnprocessableImageError, type RenderedRendition } from '@airlock/imaging';
import type { Logger } from '@airlock/runtime';
import { inSpan, SpanKind, withUpload } from '@airlock/tracing';

export type MediaDependencies = {
  readonly uploads: Pick<UploadProgress, 'find' | 'transition'>;
  readonly renditions: Pick<UploadRenditions, 'save'>;
  readonly objects: Pick<ObjectStore, 'open'>;
  /** Creates or overwrites one object in the processed bucket. */
  readonly putObject: (object: RenditionObject) => Promise<void>;
  /**
   * Every configured rendition of the original. Throws
   * {@link UnprocessableImageError} for bytes it will not decode; any other
   * error (the S3 stream broke) is infrastructure.
   */
  readonly render: (original: Readable) => Promise<RenderedRendition[]>;
  readonly logger: Logger;
  /** @defaultValue records nothing */
  readonly metrics?: Pick<PipelineMetrics, 'rendered'>;
};

export type MediaSettings = {
  readonly processedBucket: string;
  readonly failurePolicy: MediaFailurePolicy;
  /** Originals larger than this are unprocessable without being read. */
  readonly maxInputBytes: number;
};

const ACTOR = 'media';

/**
 * `{tenantFolder}/renditions/{sha256}/{name}.{ext}`: the tenant's folder from
 * the original's key, then its content hash, so the key is predictable from
 * the upload alone and the same bytes always land in the same place.
 */
export function renditionKey(
  upload: Pick<Upload, 'key' | 'declaredSha256'>,
  name: string,
  extension: string,
): string {
  const slash = upload.key.indexOf('/');
  if (slash <= 0)
    throw new PermanentFailure('invalid_key', `upload key ${upload.key} has no folder`);
  return `${upload.key.slice(0, slash)}/renditions/${upload.declaredSha256}/${name}.${extension}`;
}

/**
 * media.requested → renditions in the processed bucket → ready.
 *
 * Idempotency: only a `clean` upload is rendered. Rendition keys are
 * content-addressed and the rows are upserts, so a replay after a crash
 * rewrites the same objects; the move to `ready` is a compare-and-set, so of
 * two deliveries only one moves it. A job for any other state (a replay for a
 * `ready` upload, or one rejected or quarantined meanwhile) is a no-op success.
 *
 * Outcomes: bytes sharp will not decode are a verdict on the upload, applied
 * by the failure policy, and the message succeeds (a bomb must not loop). S3
 * and Postgres errors are thrown and retried. A message that can never work
 * (unparseable, unknown upload, not an image) goes to the DLQ.
 */
export function createMediaRequestedHandler(
  deps: MediaDependencies,
  settings: MediaSettings,
): MessageHandler<MediaRequested> {
  const { uploads, logger } = deps;
  const metrics = deps.metrics ?? NO_PIPELINE_METRICS;

  async function unprocessable(upload: Upload, message: string): Promise<void> {
    const reason = `image_unprocessable: ${message}`;
    if (settings.failurePolicy === 'reject') {
      await uploads.transition({ uploadId: upload.id, to: 'rejected', reason, actor: ACTOR });
    } else {
      await uploads.transition({
        uploadId: upload.id,
        to: 'ready',
        actor: ACTOR,
        detail: { renditions: [], unprocessable: reason },
      });
    }
    logger.warn(
      { uploadId: upload.id, reason, policy: settings.failurePolicy },
      'image unprocessable',
    );
  }

  async function renderUpload(upload: Upload): Promise<void> {
    const started = performance.now();
    // The version that was verified and scanned, where the store keeps versions;
    // hashed as it is read, so other bytes under the key are caught either way.
    const original = await deps.objects.open(
      { bucket: upload.bucket, key: upload.key, versionId: upload.versionId },
      { sha256: true },
    );
    if (!original) {
      await uploads.transition({
        uploadId: upload.id,
        to: 'rejected',
        reason: 'object_missing',
        actor: ACTOR,
      });
      return;
    }
    /** Renders or judges only the bytes that were verified and scanned (equal SHA-256, not eTag). */
    const replaced = async (): Promise<boolean> => {
      const readSha256 = original.sha256();
      if (readSha256 === undefined || readSha256 === upload.declaredSha256) return false;
      await uploads.transition({
        uploadId: upload.id,
        to: 'rejected',
        reason: 'content_replaced',
        actor: ACTOR,
        detail: { readSha256 },
      });
      logger.warn({ uploadId: upload.id }, 'stored bytes are not the verified ones: rejected');
      return true;
    };
    let rendered: RenderedRendition[];
    try {
      if (original.size > settings.maxInputBytes) {
        await unprocessable(upload, `input exceeds ${settings.maxInputBytes} bytes`);
        return;
      }
      const renderStarted = performance.now();
      rendered = await deps.render(original.body);
      metrics.rendered({ seconds: secondsSince(renderStarted), bytes: original.size });
    } catch (error) {
      if (!(error instanceof UnprocessableImageError)) throw error;
      if (await replaced()) return;
      await unprocessable(upload, error.message);
      return;
    } finally {
      // Frees the connection when the body was not read to its end.
      original.body.destroy();
    }
    if (await replaced()) return;
    if (original.sha256() === undefined) {
      throw new Error('the original was rendered before it was read whole');
    }

    const renditions: Rendition[] = [];
    for (const rendition of rendered) {
      const key = renditionKey(upload, rendition.spec.name, rendition.extension);
      await deps.putObject({
        bucket: settings.processedBucket,
        key,
        contentType: rendition.contentType,
        body: rendition.data,
      });
      renditions.push({
        name: rendition.spec.name,
        format: rendition.format,
        width: rendition.width,
        height: rendition.height,
        size: rendition.data.length,
        bucket: settings.processedBucket,
        key,
      });
    }
    // Rows before the state: whoever sees `ready` finds its renditions.
    await deps.renditions.save(upload.id, renditions);
    const ready = await uploads.transition({
      uploadId: upload.id,
      to: 'ready',
      actor: ACTOR,
      detail: { renditions: renditions.map((rendition) => rendition.name) },
    });
    logger.info(
      {
        uploadId: upload.id,
        renditions: renditions.map(({ name, width, height, size }) => ({
          name,
          width,
          height,
          size,
        })),
        durationMs: Math.round(performance.now() - started),
        moved: ready !== undefined,
      },
      'renditions written',
    );
  }

  const handle: MessageHandler<MediaRequested> = async (job) => {
    const upload = await uploads.find(job.uploadId);
    if (!upload)
      throw new PermanentFailure('unknown_upload', `upload ${job.uploadId} does not exist`);

    if (upload.state !== 'clean') {
      logger.info({ uploadId: upload.id, state: upload.state }, 'nothing to render');
      return 'success';
    }
    const contentType = upload.detectedContentType ?? upload.declaredContentType;
    if (findAllowedType(contentType)?.category !== 'images') {
      throw new PermanentFailure('not_an_image', `upload ${upload.id} is ${contentType}`);
    }
    await renderUpload(upload);
    return 'success';
  };
  // Every span and log line of the job names its upload.
  return (job, context) =>
    withUpload(job.uploadId, () =>
      inSpan('render upload', { kind: SpanKind.INTERNAL }, () => handle(job, context)),
    );
}
