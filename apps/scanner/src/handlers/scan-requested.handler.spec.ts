import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  PermanentFailure,
  scanRequested,
  scanRequestedSchema,
  type LimitsPolicy,
  type MediaRequested,
  type Upload,
  type UploadScan,
} from '@airlock/core';
import {
  anUpload,
  InMemoryObjectStore,
  InMemoryUploadProgress,
  InMemoryUploadRenditions,
  InMemoryUploadScans,
  RecordingPipelineMetrics,
} from '@airlock/core/testing';
import { pino } from 'pino';
import { createScanRequestedHandler, type ScanVerdict } from './scan-requested.handler.ts';

const context = { queue: 'test', messageId: 'message-1', receiveCount: 1 };

const BYTES = Buffer.from('some png bytes');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const VERSION = { engine: 'ClamAV 1.4', signatures: '27000' };

type Options = {
  state?: Upload['state'];
  contentType?: string;
  verdict?: Partial<ScanVerdict>;
  limitsPolicy?: LimitsPolicy;
  scanMaxBytes?: number;
  bytes?: Buffer | null;
  /** Replaces the fake clamd, which reads every byte and answers `verdict`. */
  scan?: (body: Readable) => Promise<ScanVerdict>;
  /** What clamd's VERSION answers now. */
  version?: { engine: string; signatures: string };
  reuseCleanVerdicts?: boolean;
  tagCleanObjects?: boolean;
};

function setup(options: Options = {}) {
  const uploads = new InMemoryUploadProgress();
  const scans = new InMemoryUploadScans(uploads);
  const objects = new InMemoryObjectStore();
  const renditions = new InMemoryUploadRenditions();
  const published: MediaRequested[] = [];
  const scanned: number[] = [];
  const metrics = new RecordingPipelineMetrics();
  const contentType = options.contentType ?? 'image/png';
  const upload = uploads.add(
    anUpload({
      state: options.state ?? 'verified',
      declaredContentType: contentType,
      detectedContentType: contentType,
      declaredSize: BYTES.length,
      declaredSha256: sha256(BYTES),
    }),
  );
  if (options.bytes !== null)
    objects.add({ bucket: upload.bucket, key: upload.key }, options.bytes ?? BYTES);
  const handler = createScanRequestedHandler(
    {
      uploads,
      scans,
      objects,
      renditions,
      scan:
        options.scan ??
        (async (body: Readable) => {
          for await (const chunk of body) scanned.push((chunk as Buffer).length);
          return { result: 'clean', ...VERSION, ...options.verdict };
        }),
      version: async () => options.version ?? VERSION,
      mediaJobs: { publish: async (job) => published.push(job) },
      logger: pino({ enabled: false }),
      metrics,
    },
    {
      quarantineBucket: 'quarantine',
      limitsPolicy: options.limitsPolicy ?? 'quarantine',
      scanMaxBytes: options.scanMaxBytes,
      reuseCleanVerdicts: options.reuseCleanVerdicts,
      tagCleanObjects: options.tagCleanObjects,
    },
  );
  /** An earlier upload of the same customer's same bytes, scanned with `scan`; its scan id. */
  const earlier = async (scan: Partial<UploadScan> = {}) => {
    const first = uploads.add(anUpload({ ...upload, id: crypto.randomUUID(), state: 'ready' }));
    await scans.record({
      uploadId: first.id,
      trigger: 'upload',
      result: 'clean',
      signature: undefined,
      ...VERSION,
      ...scan,
    });
    return String(scans.scans.length);
  };
  const job = (trigger: 'upload' | 'rescan' = 'upload') =>
    scanRequestedSchema.parse(scanRequested(upload, { producedBy: 'verifier', trigger }));
  const inQuarantine = () =>
    objects.has({ bucket: 'quarantine', key: `${upload.id}/${upload.key}` }) &&
    !objects.has({ bucket: upload.bucket, key: upload.key });
  return {
    uploads,
    scans,
    objects,
    renditions,
    published,
    scanned,
    upload,
    handler,
    job,
    inQuarantine,
    earlier,
    metrics,
  };
}

describe('scan-requested handler', () => {
  it('counts a verdict clamd reached with the bytes it read', async () => {
    const { handler, job, metrics } = setup({
      verdict: { result: 'infected', signature: 'Eicar' },
    });
    await handler(job(), context);
    expect(metrics.events).toEqual([`scanned infected scanned ${BYTES.length}`]);
  });

  it('moves clean images to clean and sends one media job, without tagging the object', async () => {
    const { uploads, scans, objects, published, upload, handler, job } = setup();
    await expect(handler(job(), context)).resolves.toBe('success');
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'clean' });
    expect(scans.scans).toMatchObject([{ result: 'clean', trigger: 'upload' }]);
    expect(await objects.tags(upload)).toEqual({});
    expect(published).toMatchObject([{ type: 'media.requested', uploadId: upload.id }]);
  });

  it('tags clean objects with their verdict under SCAN_TAG_CLEAN_OBJECTS', async () => {
    const { objects, upload, handler, job } = setup({ tagCleanObjects: true });
    await handler(job(), context);
    expect(await objects.tags(upload)).toEqual({
      'airlock-scan': 'clean',
      'airlock-scan-engine': VERSION.engine,
      'airlock-scan-signatures': VERSION.signatures,
    });
  });

  it('moves clean non-images straight to ready', async () => {
    const { uploads, published, upload, handler, job } = setup({ contentType: 'application/pdf' });
    await handler(job(), context);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'ready' });
    expect(uploads.transitions.map((t) => t.to)).toEqual(['clean', 'ready']);
    expect(published).toHaveLength(0);
  });

  it('does nothing twice on a replay: no second transition, no second media job', async () => {
    const { uploads, published, scanned, handler, job } = setup();
    await handler(job(), context);
    const scannedOnce = scanned.length;
    await handler(job(), context);
    expect(uploads.transitions).toHaveLength(1);
    expect(published).toHaveLength(1);
    expect(scanned).toHaveLength(scannedOnce);
  });

  it('quarantines infected bytes with the signature as the reason', async () => {
    const { uploads, published, upload, handler, job, inQuarantine } = setup({
      verdict: { result: 'infected', signature: 'Eicar-Signature' },
    });
    await handler(job(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'quarantined',
      reason: 'Eicar-Signature',
    });
    expect(inQuarantine()).toBe(true);
    expect(published).toHaveLength(0);
  });

  it('removes the renditions of ready content a rescan finds infected', async () => {
    const { uploads, objects, renditions, upload, handler, job } = setup({
      state: 'ready',
      verdict: { result: 'infected', signature: 'New.Signature' },
    });
    const rendition = { bucket: 'processed', key: 'tenant/renditions/x/thumb.webp' };
    objects.add(rendition, 'thumb');
    await renditions.save(upload.id, [
      { name: 'thumb', format: 'webp', width: 1, height: 1, size: 5, ...rendition },
    ]);
    await handler(job('rescan'), context);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'quarantined' });
    expect(objects.has(rendition)).toBe(false);
    expect(await renditions.forUpload(upload.id)).toEqual([]);
  });

  it('quarantines encrypted content under the quarantine policy', async () => {
    const { uploads, upload, handler, job } = setup({
      verdict: { result: 'encrypted', signature: 'Heuristics.Encrypted.PDF' },
    });
    await handler(job(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'quarantined',
      reason: 'encrypted_content: Heuristics.Encrypted.PDF',
    });
  });

  it('holds content clamd could not scan whole under the hold policy', async () => {
    const { uploads, scans, objects, upload, handler, job } = setup({
      verdict: { result: 'limits_exceeded', signature: 'Heuristics.Limits.Exceeded' },
      limitsPolicy: 'hold',
    });
    await handler(job(), context);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'verified' });
    expect(uploads.transitions).toHaveLength(0);
    expect(scans.scans).toMatchObject([{ result: 'limits_exceeded' }]);
    expect(objects.has(upload)).toBe(true);
    expect(await objects.tags(upload)).toMatchObject({ 'airlock-scan': 'limits_exceeded' });
  });

  it('never sends an object larger than SCAN_MAX_BYTES: a limit hit', async () => {
    const { uploads, scanned, upload, handler, job } = setup({ scanMaxBytes: 4 });
    await handler(job(), context);
    expect(scanned).toHaveLength(0);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'quarantined',
      reason: 'scan_limits_exceeded: Heuristics.Limits.Exceeded.ScanMaxBytes',
    });
  });

  it('rejects with content_replaced when the scanned bytes are not the verified ones', async () => {
    const { uploads, scans, upload, handler, job, inQuarantine } = setup({
      bytes: Buffer.from('other bytes!!!'),
    });
    await handler(job(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'content_replaced',
    });
    expect(scans.scans).toHaveLength(0);
    expect(inQuarantine()).toBe(true);
  });

  it('rejects with object_missing when the object is gone', async () => {
    const { uploads, upload, handler, job } = setup({ bytes: null });
    await handler(job(), context);
    expect(await uploads.find(upload.id)).toMatchObject({
      state: 'rejected',
      reason: 'object_missing',
    });
  });

  it('finishes a crashed clean upload: sends the media job without scanning again', async () => {
    const { uploads, published, scanned, handler, job } = setup({ state: 'clean' });
    await handler(job(), context);
    expect(scanned).toHaveLength(0);
    expect(uploads.transitions).toHaveLength(0);
    expect(published).toHaveLength(1);
  });

  it('fails permanently on an unknown upload', async () => {
    const { handler, job } = setup();
    const unknown = { ...job(), uploadId: crypto.randomUUID() };
    await expect(handler(unknown, context)).rejects.toMatchObject({ reason: 'unknown_upload' });
  });

  it('refuses a clean verdict on bytes clamd did not read to the end: retryable, no move', async () => {
    const { uploads, scans, objects, upload, handler, job } = setup({
      scan: async () => ({ result: 'clean', ...VERSION }), // answers without reading
    });
    const failure = handler(job(), context);
    await expect(failure).rejects.toThrow('clamd answered clean before the object was read whole');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'verified' });
    expect(scans.scans).toHaveLength(0);
    expect(await objects.tags(upload)).toEqual({});
  });

  describe('a clean verdict on record for the same bytes', () => {
    it('is reused without clamd: the bytes are still read and hashed, the scan names its source', async () => {
      const { uploads, scans, scanned, objects, upload, handler, job, earlier, metrics } = setup();
      const source = await earlier();
      await handler(job(), context);
      expect(scanned).toHaveLength(0);
      expect(metrics.events).toEqual(['scanned clean reused 0']);
      expect(await uploads.find(upload.id)).toMatchObject({ state: 'clean' });
      expect(scans.scans.at(-1)).toMatchObject({ result: 'clean', reusedFrom: source });
      expect(uploads.transitions.at(-1)).toMatchObject({
        to: 'clean',
        detail: { ...VERSION, reusedFrom: source },
      });
      expect(await objects.tags(upload)).toEqual({});
    });

    it('is not reused when the bytes under the key are not the verified ones', async () => {
      const { uploads, upload, handler, job, earlier, inQuarantine } = setup({
        bytes: Buffer.from('other bytes!!!'),
      });
      await earlier();
      await handler(job(), context);
      expect(await uploads.find(upload.id)).toMatchObject({ reason: 'content_replaced' });
      expect(inQuarantine()).toBe(true);
    });

    it('is not reused under other signatures, after a later hit, on a rescan, or when turned off', async () => {
      const cases: Array<[Options, Partial<UploadScan>[], 'upload' | 'rescan']> = [
        [{ version: { ...VERSION, signatures: '27001' } }, [{}], 'upload'],
        [{}, [{}, { trigger: 'rescan', result: 'infected', signature: 'New.Sig' }], 'upload'],
        [{ state: 'ready' }, [{}], 'rescan'],
        [{ reuseCleanVerdicts: false }, [{}], 'upload'],
      ];
      for (const [options, history, trigger] of cases) {
        const { scans, scanned, handler, job, earlier } = setup(options);
        for (const scan of history) await earlier(scan);
        await handler(job(trigger), context);
        expect(scanned.length).toBeGreaterThan(0);
        expect(scans.scans.at(-1)).toMatchObject({ reusedFrom: undefined });
      }
    });

    it('never reuses an infected verdict: the repeat goes to clamd', async () => {
      const { uploads, scanned, upload, handler, job, earlier } = setup({
        verdict: { result: 'infected', signature: 'Eicar-Signature' },
      });
      await earlier({ result: 'infected', signature: 'Eicar-Signature' });
      await handler(job(), context);
      expect(scanned.length).toBeGreaterThan(0);
      expect(await uploads.find(upload.id)).toMatchObject({ state: 'quarantined' });
    });
  });

  it('throws a plain (retryable) error when clamd gives no answer, leaving the upload', async () => {
    const { uploads, upload, handler, job } = setup({
      scan: async () => {
        throw new Error('clamd timed out');
      },
    });
    const failure = handler(job(), context);
    await expect(failure).rejects.toThrow('clamd timed out');
    await expect(failure).rejects.not.toBeInstanceOf(PermanentFailure);
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'verified' });
  });
});
