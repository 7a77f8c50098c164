import { orientedJpegWithGps, exifHasGps, plainImage } from '@airlock/imaging/testing';
import { runReadinessChecks } from '@airlock/runtime';
import { until, waitForState, type Tenant } from '@airlock/testing';
import sharp from 'sharp';
import { MediaHarness } from './media-harness.ts';

const media = new MediaHarness();
const { stack } = media;
let tenant: Tenant;

// A tenant per test: the same bytes in one tenant would be deduplicated.
beforeEach(async () => {
  tenant = await stack.tenant();
});
afterEach(() => media.cleanUp());
afterAll(() => media.close());

describe('renditions of a clean image', () => {
  it('a phone photo (EXIF Orientation 6, GPS) is ready with three oriented renditions and no metadata', async () => {
    // The smallest photo every default rendition scales down from: rendering is most of the test.
    const photo = await orientedJpegWithGps(1800, 1200);
    expect(exifHasGps((await sharp(photo).metadata()).exif)).toBe(true);
    const queue = await media.queues();
    const upload = await media.stageClean(tenant, photo, 'image/jpeg');
    const originalETag = await media.eTagOf(media.sandbox, upload.key);
    media.startWorker(queue);

    await media.send(queue, upload);
    const { upload: done, history } = await waitForState(stack.uploads, upload.id, [
      'ready',
      'rejected',
      'quarantined',
    ]);

    expect(done.state).toBe('ready');
    expect(done.reason).toBeNull();
    expect(history.at(-1)).toMatchObject({ fromState: 'clean', toState: 'ready', actor: 'media' });
    const prefix = media.renditionPrefix(upload);
    const rows = await media.renditions.forUpload(upload.id);
    // Orientation 6: the 1800 × 1200 stored pixels are a 1200 × 1800 portrait.
    expect(rows).toEqual([
      {
        name: 'w1024-avif',
        format: 'avif',
        width: 1024,
        height: 1536,
        size: expect.any(Number),
        bucket: media.processed,
        key: `${prefix}w1024-avif.avif`,
      },
      {
        name: 'w1024-webp',
        format: 'webp',
        width: 1024,
        height: 1536,
        size: expect.any(Number),
        bucket: media.processed,
        key: `${prefix}w1024-webp.webp`,
      },
      {
        name: 'w256-webp',
        format: 'webp',
        width: 256,
        height: 384,
        size: expect.any(Number),
        bucket: media.processed,
        key: `${prefix}w256-webp.webp`,
      },
    ]);
    expect(prefix).toBe(`${upload.key.split('/')[0]}/renditions/${upload.declaredSha256}/`);

    for (const row of rows) {
      const object = await media.getObject(row.bucket, row.key);
      expect(object.contentType).toBe(`image/${row.format}`);
      expect(object.bytes.length).toBe(row.size);
      const meta = await sharp(object.bytes).metadata();
      expect(meta).toMatchObject({
        format: row.format === 'avif' ? 'heif' : 'webp',
        width: row.width,
        height: row.height,
      });
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
    }

    // The original is read, never written.
    const original = await media.getObject(media.sandbox, upload.key);
    expect(original.eTag).toBe(originalETag);
    expect(original.bytes.equals(photo)).toBe(true);
  });

  it('the same job twice (and once more later) moves the upload to ready once', async () => {
    const queue = await media.queues();
    const upload = await media.stageClean(tenant, await plainImage('png', 640, 480), 'image/png');
    media.startWorker(queue);

    const first = await Promise.all([media.send(queue, upload), media.send(queue, upload)]);
    await waitForState(stack.uploads, upload.id, ['ready', 'rejected']);
    await until('both jobs handled', () => media.drained(queue.url));
    const late = await media.send(queue, upload);
    await until('the late replay handled', () => media.drained(queue.url));

    expect(await media.transitionsTo(upload.id, 'ready')).toHaveLength(1);
    expect((await media.renditions.forUpload(upload.id)).map((row) => row.name)).toEqual([
      'w1024-avif',
      'w1024-webp',
      'w256-webp',
    ]);
    expect(await media.processedKeys(upload)).toHaveLength(3);
    expect(await media.failuresOf([...first, late])).toEqual([]);
  });

  it('a job for an upload that is no longer clean writes nothing', async () => {
    const queue = await media.queues();
    const upload = await media.stageClean(tenant, await plainImage('jpeg', 640, 480), 'image/jpeg');
    await stack.uploads.transition({
      uploadId: upload.id,
      to: 'quarantined',
      reason: 'test',
      actor: 'test',
    });
    media.startWorker(queue);

    const messageId = await media.send(queue, upload);
    await until('the job handled', () => media.drained(queue.url));

    expect((await stack.uploads.find(upload.id))!.state).toBe('quarantined');
    expect(await media.renditions.forUpload(upload.id)).toEqual([]);
    expect(await media.processedKeys(upload)).toEqual([]);
    expect(await media.failuresOf([messageId])).toEqual([]);
  });

  it('readiness covers postgres, both buckets and the queue', async () => {
    const queue = await media.queues();
    const worker = media.startWorker(queue);
    const readiness = await runReadinessChecks(worker.readiness, media.silent);
    expect(readiness.body.checks).toEqual({
      postgres: { ok: true },
      s3: { ok: true },
      sqs: { ok: true },
    });
    const broken = media.startWorker(queue, { PROCESSED_BUCKET: 'no-such-bucket' });
    const notReady = await runReadinessChecks(broken.readiness, media.silent);
    expect(notReady.ready).toBe(false);
    expect(notReady.body.checks.s3).toEqual({ ok: false, error: 'unreachable' });
  });
});
