import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  PermanentFailure,
  type MeasuredObject,
  type S3Notification,
  type ScanRequested,
} from '@airlock/core';
import {
  anUpload,
  InMemoryObjectIncidents,
  InMemoryObjectStore,
  InMemoryUploadProgress,
  RecordingPipelineMetrics,
} from '@airlock/core/testing';
import { pino } from 'pino';
import { createObjectCreatedHandler } from './object-created.handler.ts';

const context = { queue: 'test', messageId: 'message-1', receiveCount: 1 };

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('image bytes')]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const settings = { uploadsBucket: 'uploads', quarantineBucket: 'quarantine' };

/** Reads every byte: size, SHA-256, PNG magic. */
async function inspect(body: Readable): Promise<MeasuredObject> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return {
    size: bytes.length,
    sha256Hex: sha256(bytes),
    detectedMime: bytes.subarray(0, 8).equals(PNG.subarray(0, 8)) ? 'image/png' : undefined,
    isText: false,
  };
}

function setup(
  options: { bytes?: Buffer; headers?: Record<string, string>; contentType?: string } = {},
) {
  const contentType = options.contentType ?? 'image/png';
  const uploads = new InMemoryUploadProgress();
  const objects = new InMemoryObjectStore({ versioned: true });
  const incidents = new InMemoryObjectIncidents();
  const published: ScanRequested[] = [];
  const metrics = new RecordingPipelineMetrics();
  const upload = uploads.add(
    anUpload({
      declaredSize: PNG.length,
      declaredSha256: sha256(PNG),
      declaredContentType: contentType,
      state: 'pending',
    }),
  );
  const versionId = objects.add({ bucket: 'uploads', key: upload.key }, options.bytes ?? PNG, {
    contentType,
    ...options.headers,
  });
  const handler = createObjectCreatedHandler(
    {
      uploads,
      objects,
      inspect,
      scanJobs: { publish: async (job) => published.push(job) },
      incidents,
      logger: pino({ enabled: false }),
      metrics,
    },
    settings,
  );
  const event = (over: { key?: string; bucket?: string; versionId?: string } = {}) =>
    ({
      kind: 'objects',
      objects: [
        {
          eventName: 'ObjectCreated:Put',
          bucket: over.bucket ?? 'uploads',
          key: over.key ?? upload.key,
          size: PNG.length,
          eTag: 'etag',
          versionId: over.versionId ?? versionId,
          sequencer: '01',
        },
      ],
    }) satisfies S3Notification;
  return { uploads, objects, incidents, published, upload, versionId, handler, event, metrics };
}

const quarantined = (objects: InMemoryObjectStore, id: string, key: string) =>
  objects.has({ bucket: 'quarantine', key: `${id}/${key}` });

describe('object-created handler', () => {
  it('verifies matching bytes, pins the version and sends one scan job', async () => {
    const { uploads, published, upload, versionId, handler, event } = setup();
    await expect(handler(event(), context)).resolves.toBe('success');
    const after = await uploads.find(upload.id);
    expect(after).toMatchObject({
      state: 'verified',
      detectedContentType: 'image/png',
      versionId,
    });
    expect(after?.scanRequestedAt).not.toBeNull();
    expect(uploads.transitions.map((t) => t.to)).toEqual(['uploaded', 'verified']);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ type: 'scan.requested', uploadId: upload.id });
  });

  it('does nothing on a replayed event: no second transition, no second job', async () => {
    const { uploads, published, handler, event } = setup();
    await handler(event(), context);
    await handler(event(), context);
    expect(uploads.transitions).toHaveLength(2);
    expect(published).toHaveLength(1);
  });

  it('sends the scan job a crash skipped when the event is replayed', async () => {
    const { uploads, published, upload, versionId, handler, event } = setup();
    uploads.add({ ...upload, state: 'verified', versionId: versionId ?? null });
    await handler(event(), context);
    expect(published).toHaveLength(1);
    expect(uploads.transitions).toHaveLength(0);
  });

  it('rejects other bytes (checksum_mismatch) and quarantines them', async () => {
    const other = Buffer.concat([PNG.subarray(0, 8), Buffer.from('other bytes')]);
    const { uploads, objects, incidents, published, upload, handler, event, metrics } = setup({
      bytes: other,
    });
    await handler(event(), context);
    // Counted once: the replay finds the upload rejected and moves nothing.
    await handler(event(), context);
    expect(metrics.events).toEqual(['verification_failed checksum_mismatch']);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'checksum_mismatch',
    });
    expect(quarantined(objects, upload.id, upload.key)).toBe(true);
    expect(incidents.incidents).toHaveLength(0); // in the upload's history already
    expect(published).toHaveLength(0);
  });

  it('rejects bytes that are not the declared type (type_mismatch) and quarantines them', async () => {
    const { uploads, objects, published, upload, handler, event } = setup({
      contentType: 'application/pdf',
    });
    await handler(event(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'type_mismatch',
    });
    expect(uploads.transitions.at(-1)?.detail).toMatchObject({
      detail: 'declared application/pdf, stored image/png',
    });
    expect(quarantined(objects, upload.id, upload.key)).toBe(true);
    expect(published).toHaveLength(0);
  });

  it('answers the s3:TestEvent with success and touches nothing', async () => {
    const { uploads, objects, incidents, published, upload, handler } = setup();
    await expect(handler({ kind: 'test', bucket: 'uploads' }, context)).resolves.toBe('success');
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'pending' });
    expect(uploads.transitions).toHaveLength(0);
    expect(objects.has({ bucket: 'uploads', key: upload.key })).toBe(true);
    expect(incidents.incidents).toHaveLength(0);
    expect(published).toHaveLength(0);
  });

  it('rejects headers nobody signed (unsigned_metadata)', async () => {
    const { uploads, objects, upload, handler, event } = setup({
      headers: { contentEncoding: 'gzip' },
    });
    await handler(event(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'unsigned_metadata',
    });
    expect(quarantined(objects, upload.id, upload.key)).toBe(true);
  });

  it('refuses bytes sent through a revoked issuer (issuer_revoked)', async () => {
    const { uploads, objects, published, upload, handler, event } = setup();
    uploads.revokeIssuer(upload.id);
    await handler(event(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'issuer_revoked',
    });
    expect(quarantined(objects, upload.id, upload.key)).toBe(true);
    expect(published).toHaveLength(0);
  });

  it('rejects with object_missing when the object is gone before it is read', async () => {
    const { uploads, objects, upload, handler, event } = setup();
    await objects.delete({ bucket: 'uploads', key: upload.key });
    await handler(event(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'object_missing',
    });
  });

  it('rejects a verified upload whose bytes were replaced (content_replaced)', async () => {
    const { uploads, objects, incidents, upload, handler, event } = setup();
    await handler(event(), context);
    const other = Buffer.concat([PNG.subarray(0, 8), Buffer.from('replaced!!!')]);
    const second = objects.add({ bucket: 'uploads', key: upload.key }, other, {
      contentType: 'image/png',
    });
    await handler(event({ versionId: second }), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'content_replaced',
    });
    expect(quarantined(objects, upload.id, upload.key)).toBe(true);
    expect(incidents.incidents).toMatchObject([{ reason: 'content_replaced' }]);
  });

  it('quarantines an object nobody was waiting for as an incident', async () => {
    const { objects, incidents, handler, event, metrics } = setup();
    objects.add({ bucket: 'uploads', key: 'tenant/stray' }, 'x');
    await handler(event({ key: 'tenant/stray' }), context);
    expect(metrics.events).toEqual(['verification_failed unknown_object']);
    expect(objects.has({ bucket: 'quarantine', key: 'unmatched/tenant/stray' })).toBe(true);
    expect(incidents.incidents).toMatchObject([{ reason: 'unknown_object' }]);
  });

  it('fails permanently on an event for a foreign bucket', async () => {
    const { handler, event } = setup();
    await expect(handler(event({ bucket: 'elsewhere' }), context)).rejects.toMatchObject({
      reason: 'unexpected_bucket',
    });
  });

  it('throws a plain (retryable) error when the store fails', async () => {
    const { objects, handler, event } = setup();
    objects.open = async () => {
      throw new Error('S3 unavailable');
    };
    const failure = handler(event(), context);
    await expect(failure).rejects.toThrow('S3 unavailable');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
  });
});
