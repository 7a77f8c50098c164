import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  mediaRequested,
  PermanentFailure,
  type MediaFailurePolicy,
  type Upload,
} from '@airlock/core';
import {
  anUpload,
  InMemoryObjectStore,
  InMemoryUploadProgress,
  InMemoryUploadRenditions,
} from '@airlock/core/testing';
import { UnprocessableImageError, type RenderedRendition } from '@airlock/imaging';
import { pino } from 'pino';
import { createMediaRequestedHandler, renditionKey } from './media-requested.handler.ts';

const context = { queue: 'test', messageId: 'message-1', receiveCount: 1 };

const BYTES = Buffer.from('png bytes');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const thumb: RenderedRendition = {
  spec: { name: 'w256-webp', width: 256, format: 'webp' },
  data: Buffer.from('webp'),
  width: 256,
  height: 128,
  format: 'webp',
  contentType: 'image/webp',
  extension: 'webp',
};

type Options = {
  state?: Upload['state'];
  contentType?: string;
  bytes?: Buffer | null;
  render?: (original: Readable) => Promise<RenderedRendition[]>;
  failurePolicy?: MediaFailurePolicy;
  maxInputBytes?: number;
};

async function drain(body: Readable): Promise<void> {
  for await (const chunk of body) void chunk;
}

function setup(options: Options = {}) {
  const uploads = new InMemoryUploadProgress();
  const objects = new InMemoryObjectStore();
  const renditions = new InMemoryUploadRenditions();
  const contentType = options.contentType ?? 'image/png';
  const upload = uploads.add(
    anUpload({
      state: options.state ?? 'clean',
      declaredContentType: contentType,
      detectedContentType: contentType,
      declaredSize: BYTES.length,
      declaredSha256: sha256(BYTES),
    }),
  );
  if (options.bytes !== null) objects.add(upload, options.bytes ?? BYTES);
  let renders = 0;
  const handler = createMediaRequestedHandler(
    {
      uploads,
      renditions,
      objects,
      putObject: (object) => objects.put(object),
      render: async (original) => {
        renders++;
        if (options.render) return options.render(original);
        await drain(original);
        return [thumb];
      },
      logger: pino({ enabled: false }),
    },
    {
      processedBucket: 'processed',
      failurePolicy: options.failurePolicy ?? 'reject',
      maxInputBytes: options.maxInputBytes ?? 1_000_000,
    },
  );
  const job = mediaRequested(upload, { producedBy: 'scanner' });
  return { uploads, objects, renditions, upload, handler, job, renders: () => renders };
}

const undecodable = async (original: Readable): Promise<RenderedRendition[]> => {
  await drain(original);
  throw new UnprocessableImageError('Input image exceeds pixel limit');
};

describe('media-requested handler', () => {
  it('writes the renditions, saves their rows, then moves the upload to ready', async () => {
    const { uploads, objects, renditions, upload, handler, job } = setup();
    await expect(handler(job, context)).resolves.toBe('success');
    const key = renditionKey(upload, 'w256-webp', 'webp');
    expect(objects.get({ bucket: 'processed', key })?.body.toString()).toBe('webp');
    expect(await renditions.forUpload(upload.id)).toMatchObject([
      { name: 'w256-webp', bucket: 'processed', key, width: 256, height: 128, size: 4 },
    ]);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'ready' });
  });

  it('does nothing on a replay once the upload is ready: no second render or transition', async () => {
    const { uploads, handler, job, renders } = setup();
    await handler(job, context);
    await handler(job, context);
    expect(renders()).toBe(1);
    expect(uploads.transitions).toHaveLength(1);
  });

  it('rejects an unprocessable image under the reject policy, and the message succeeds', async () => {
    const { uploads, renditions, upload, handler, job } = setup({ render: undecodable });
    await expect(handler(job, context)).resolves.toBe('success');
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'image_unprocessable: Input image exceeds pixel limit',
    });
    expect(await renditions.forUpload(upload.id)).toEqual([]);
  });

  it('serves an unprocessable image as it is under the ready policy', async () => {
    const { uploads, upload, handler, job } = setup({
      render: undecodable,
      failurePolicy: 'ready',
    });
    await handler(job, context);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'ready', reason: null });
    expect(uploads.transitions[0]!.detail).toEqual({
      renditions: [],
      unprocessable: 'image_unprocessable: Input image exceeds pixel limit',
    });
  });

  it('judges an original above maxInputBytes unprocessable without rendering it', async () => {
    const { uploads, upload, handler, job, renders } = setup({ maxInputBytes: 4 });
    await handler(job, context);
    expect(renders()).toBe(0);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'image_unprocessable: input exceeds 4 bytes',
    });
  });

  it('rejects with content_replaced when the stored bytes are not the verified ones', async () => {
    const { uploads, renditions, upload, handler, job } = setup({
      bytes: Buffer.from('other!!!!'),
    });
    await handler(job, context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'content_replaced',
    });
    expect(await renditions.forUpload(upload.id)).toEqual([]);
  });

  it('rejects with object_missing when the original is gone', async () => {
    const { uploads, upload, handler, job } = setup({ bytes: null });
    await handler(job, context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'object_missing',
    });
  });

  it('does nothing for an upload that is no longer clean', async () => {
    const { uploads, handler, job, renders } = setup({ state: 'quarantined' });
    await expect(handler(job, context)).resolves.toBe('success');
    expect(renders()).toBe(0);
    expect(uploads.transitions).toHaveLength(0);
  });

  it('fails permanently on an unknown upload or a non-image', async () => {
    const { handler, job } = setup();
    const unknown = { ...job, uploadId: crypto.randomUUID() };
    await expect(handler(unknown, context)).rejects.toMatchObject({ reason: 'unknown_upload' });
    const pdf = setup({ contentType: 'application/pdf' });
    await expect(pdf.handler(pdf.job, context)).rejects.toMatchObject({ reason: 'not_an_image' });
  });

  it('refuses renditions of bytes not read to the end: a retryable error, the upload stays clean', async () => {
    const { uploads, renditions, objects, upload, handler, job } = setup({
      render: async () => [thumb], // answers without reading the original
    });
    const failure = handler(job, context);
    await expect(failure).rejects.toThrow('the original was rendered before it was read whole');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'clean' });
    expect(uploads.transitions).toHaveLength(0);
    expect(await renditions.forUpload(upload.id)).toEqual([]);
    const key = renditionKey(upload, 'w256-webp', 'webp');
    expect(objects.has({ bucket: 'processed', key })).toBe(false);
  });

  it('throws a plain (retryable) error when reading the original breaks', async () => {
    const { uploads, upload, handler, job } = setup({
      render: async () => {
        throw new Error('socket hang up');
      },
    });
    const failure = handler(job, context);
    await expect(failure).rejects.toThrow('socket hang up');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'clean' });
  });
});
