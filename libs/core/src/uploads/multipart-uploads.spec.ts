import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '../errors.ts';
import { DEFAULT_EXPIRY_POLICY } from '../expiry-policy.ts';
import type { FolderMode } from '../key-layout.ts';
import {
  InMemoryMultipartStore,
  InMemorySiteDirectory,
  InMemoryUploadRepository,
  RecordingFormSigner,
  RecordingUrlSigner,
} from '../testing.ts';
import { DEFAULT_SIZE_LIMITS } from '../type-policy.ts';
import { createUploadActions } from './multipart-uploads.ts';
import { createRequestUpload, type RequestUploadInput } from './request-upload.ts';

const MiB = 1024 * 1024;
const NOW = new Date('2026-11-29T00:00:00.000Z');
const FOLDER: FolderMode = { mode: 'hmac', secret: 'x'.repeat(32), length: 32 };
const SHA = createHash('sha256').update('big').digest('hex');
const ALICE = 'customer-alice';
const BOB = 'customer-bob';
const SITE = { id: 'site-alice', customerId: ALICE, name: 'Alice' };
const SIZE = 12 * MiB + 7; // 3 parts of 5 MiB: 5, 5, 2 MiB + 7
const LIMITS = { ...DEFAULT_SIZE_LIMITS, documents: 1024 * MiB };

function setup() {
  let now = NOW;
  const clock = () => now;
  const uploads = new InMemoryUploadRepository({ now: clock });
  const signer = new RecordingUrlSigner();
  const forms = new RecordingFormSigner();
  const store = new InMemoryMultipartStore();
  const requestUpload = createRequestUpload(
    {
      sites: new InMemorySiteDirectory().add(SITE),
      uploads,
      signer,
      forms,
      multipart: store,
      now: clock,
    },
    {
      bucket: 'uploads',
      folder: FOLDER,
      sizeLimits: LIMITS,
      expiry: DEFAULT_EXPIRY_POLICY,
      multipart: { thresholdBytes: 10 * MiB, partSizeBytes: 5 * MiB, uploadTtlSeconds: 86_400 },
    },
  );
  const actions = createUploadActions(
    { uploads, store, now: clock },
    { expiry: DEFAULT_EXPIRY_POLICY },
  );
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  return { uploads, signer, forms, store, requestUpload, actions, advance };
}

const input = (overrides: Partial<RequestUploadInput> = {}): RequestUploadInput => ({
  callerCustomerId: ALICE,
  siteId: SITE.id,
  fileName: 'big.pdf',
  contentType: 'application/pdf',
  size: SIZE,
  sha256: SHA,
  actor: 'api-key:k1',
  apiKeyId: 'k1',
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

async function multipartUpload(t: ReturnType<typeof setup>) {
  const result = await t.requestUpload(input());
  if (result.outcome !== 'multipart') throw new Error(`expected multipart, got ${result.outcome}`);
  return result;
}

const own = (uploadId: string, callerCustomerId = ALICE) => ({ uploadId, callerCustomerId });

describe('requestUpload: how the file is sent', () => {
  it('above the threshold: starts a multipart upload and answers its plan, with the longer expiry', async () => {
    const t = setup();
    const result = await multipartUpload(t);
    expect(result.plan).toEqual({ partSize: 5 * MiB, partCount: 3 });
    expect(result.upload).toMatchObject({
      multipartUploadId: 'mpu-1',
      partSize: 5 * MiB,
      partCount: 3,
    });
    expect(result.upload.expiresAt).toEqual(new Date(NOW.getTime() + 86_400_000));
    const started = t.store.uploads.get('mpu-1');
    expect(started).toMatchObject({
      bucket: 'uploads',
      key: result.upload.key,
      contentType: 'application/pdf',
    });
    expect(t.signer.calls).toHaveLength(0);
  });

  it('the same request again while pending: the same upload and plan, no second multipart upload', async () => {
    const t = setup();
    const first = await multipartUpload(t);
    t.advance(3600);
    const again = await t.requestUpload(input({ fileName: 'again.pdf' }));
    expect(again).toMatchObject({
      outcome: 'multipart',
      plan: first.plan,
      upload: { id: first.upload.id },
    });
    expect(again.upload.expiresAt).toEqual(new Date(NOW.getTime() + 3_600_000 + 86_400_000));
    expect(t.store.calls.filter((c) => c === 'create')).toHaveLength(1);
    // Even asked without the threshold applying (multipart: false): an upload in parts stays one.
    expect((await t.requestUpload(input({ multipart: false }))).outcome).toBe('multipart');
  });

  it('a form request for content whose pending upload is in parts: 409 upload_method_conflict', async () => {
    const t = setup();
    const first = await multipartUpload(t);
    const error = await rejection(t.requestUpload(input({ form: true })));
    expect(error.code).toBe<ErrorCode>('upload_method_conflict');
    expect(error.details).toEqual({ uploadId: first.upload.id, method: 'MULTIPART' });
  });

  it('multipart: true for a pending single-request upload makes it one in parts', async () => {
    const t = setup();
    const single = await t.requestUpload(input({ multipart: false }));
    expect(single.outcome).toBe('upload');
    const parts = await t.requestUpload(input({ multipart: true }));
    expect(parts).toMatchObject({
      outcome: 'multipart',
      upload: { id: single.upload.id, multipartUploadId: 'mpu-1' },
    });
  });

  it('form: true gives a presigned POST for the declared key, type, size and hash', async () => {
    const t = setup();
    const result = await t.requestUpload(input({ size: 1000, form: true }));
    expect(result.outcome).toBe('form');
    expect(t.forms.calls).toEqual([
      {
        bucket: 'uploads',
        key: result.upload.key,
        contentType: 'application/pdf',
        contentLength: 1000,
        sha256Hex: SHA,
        expiresInSeconds: 61,
      },
    ]);
    expect(t.store.calls).toHaveLength(0);
  });

  it('refuses multipart: true below 5 MiB, and form with multipart, before anything is stored', async () => {
    const t = setup();
    for (const bad of [
      { size: 5 * MiB - 1, multipart: true },
      { form: true, multipart: true },
    ]) {
      const error = await rejection(t.requestUpload(input(bad)));
      expect(error.code).toBe<ErrorCode>('invalid_request');
      expect(error.details?.['issues']).toHaveLength(1);
    }
    expect(t.uploads.all()).toHaveLength(0);
    expect(t.store.calls).toHaveLength(0);
  });

  it('aborts its multipart upload when the insert fails', async () => {
    const t = setup();
    t.uploads.insertPending = async () => {
      throw new Error('database down');
    };
    await expect(t.requestUpload(input())).rejects.toThrow('database down');
    expect(t.store.calls).toEqual(['create', 'abort']);
    expect(t.store.uploads.size).toBe(0);
  });
});

describe('signParts', () => {
  it('signs each part’s length and SHA-256, for as long as its size needs', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    const partSha = 'ab'.repeat(32);
    const parts = await t.actions.signParts({
      ...own(upload.id),
      apiKeyId: 'k2',
      parts: [
        { partNumber: 3, size: 2 * MiB + 7, sha256: partSha.toUpperCase() },
        { partNumber: 1, size: 5 * MiB, sha256: partSha },
      ],
    });
    expect(parts.map((p) => p.partNumber)).toEqual([3, 1]);
    expect(parts[1]).toMatchObject({
      method: 'PUT',
      headers: { 'x-amz-checksum-sha256': Buffer.from(partSha, 'hex').toString('base64') },
      expiresAt: new Date(NOW.getTime() + 100_000), // 60 s + 5 MiB at 128 KiB/s (40 s)
    });
    expect(
      t.store.signed.map((s) => [s.partNumber, s.contentLength, s.sha256Hex, s.uploadId]),
    ).toEqual([
      [3, 2 * MiB + 7, partSha, 'mpu-1'],
      [1, 5 * MiB, partSha, 'mpu-1'],
    ]);
    // The key that asked is the issuer now.
    expect((await t.uploads.find(upload.id))?.apiKeyId).toBe('k2');
    // Asking again is fine.
    await expect(
      t.actions.signParts({
        ...own(upload.id),
        parts: [{ partNumber: 1, size: 5 * MiB, sha256: partSha }],
      }),
    ).resolves.toHaveLength(1);
  });

  it('never signs past the upload’s own expiry', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    t.advance(86_400 - 30);
    const [part] = await t.actions.signParts({
      ...own(upload.id),
      parts: [{ partNumber: 1, size: 5 * MiB, sha256: SHA }],
    });
    expect(part?.expiresAt).toEqual(upload.expiresAt);
  });

  it('refuses numbers and sizes off the plan with 400 and the issues', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    const error = await rejection(
      t.actions.signParts({
        ...own(upload.id),
        parts: [
          { partNumber: 4, size: 5 * MiB, sha256: SHA },
          { partNumber: 3, size: 5 * MiB, sha256: SHA },
        ],
      }),
    );
    expect(error.code).toBe<ErrorCode>('invalid_request');
    expect(error.details?.['issues']).toEqual([
      { path: 'parts.0.partNumber', message: 'must be between 1 and 3' },
      { path: 'parts.1.size', message: `part 3 must be ${2 * MiB + 7} bytes` },
    ]);
    expect(t.store.signed).toHaveLength(0);
  });

  it('another customer’s upload is 404, a single-request upload 409 upload_not_multipart', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    const part = [{ partNumber: 1, size: 5 * MiB, sha256: SHA }];
    expect(
      (await rejection(t.actions.signParts({ ...own(upload.id, BOB), parts: part }))).code,
    ).toBe('upload_not_found');
    expect((await rejection(t.actions.signParts({ ...own('nope'), parts: part }))).code).toBe(
      'upload_not_found',
    );
    const single = await t.requestUpload(input({ size: 100, sha256: 'cd'.repeat(32) }));
    expect(
      (await rejection(t.actions.signParts({ ...own(single.upload.id), parts: part }))).code,
    ).toBe('upload_not_multipart');
  });
});

describe('listParts and complete', () => {
  it('lists what the store holds; complete with a part missing is 409 parts_missing with its number', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    t.store.putPart('mpu-1', 3, 2 * MiB + 7);
    t.store.putPart('mpu-1', 1, 5 * MiB);
    expect(await t.actions.listParts(own(upload.id))).toEqual({
      partSize: 5 * MiB,
      partCount: 3,
      parts: [
        expect.objectContaining({ partNumber: 1, size: 5 * MiB }),
        expect.objectContaining({ partNumber: 3, size: 2 * MiB + 7 }),
      ],
    });
    const error = await rejection(t.actions.complete(own(upload.id)));
    expect(error.code).toBe<ErrorCode>('parts_missing');
    expect(error.details).toEqual({ missing: [2] });
    expect(t.store.completed).toHaveLength(0);
  });

  it('a part of another size is 409 parts_mismatch', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    t.store.putPart('mpu-1', 1, 5 * MiB);
    t.store.putPart('mpu-1', 2, 5 * MiB - 1);
    t.store.putPart('mpu-1', 3, 2 * MiB + 7);
    const error = await rejection(t.actions.complete(own(upload.id)));
    expect(error.code).toBe<ErrorCode>('parts_mismatch');
    expect(error.details).toEqual({
      parts: [{ partNumber: 2, expectedSize: 5 * MiB, size: 5 * MiB - 1 }],
    });
  });

  it('completes with every part’s ETag and checksum, in order; asked again, answers the same', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    for (const [n, size] of [
      [2, 5 * MiB],
      [1, 5 * MiB],
      [3, 2 * MiB + 7],
    ] as const)
      t.store.putPart('mpu-1', n, size);
    const done = await t.actions.complete({ ...own(upload.id), apiKeyId: 'k3' });
    expect(done).toMatchObject({
      id: upload.id,
      state: 'pending',
      multipartCompletedAt: NOW,
      apiKeyId: 'k3',
    });
    expect(t.store.completed).toEqual([
      {
        target: { bucket: 'uploads', key: upload.key, uploadId: 'mpu-1' },
        parts: [1, 2, 3].map((n) =>
          expect.objectContaining({
            partNumber: n,
            etag: expect.any(String),
            checksumSha256: `sum-${n}`,
          }),
        ),
      },
    ]);
    const again = await t.actions.complete(own(upload.id));
    expect(again.id).toBe(upload.id);
    expect(t.store.completed).toHaveLength(1);
    // Completed: no more parts, no cancel, and the same request is "in progress".
    const part = [{ partNumber: 1, size: 5 * MiB, sha256: SHA }];
    expect((await rejection(t.actions.signParts({ ...own(upload.id), parts: part }))).code).toBe(
      'upload_in_progress',
    );
    expect((await rejection(t.actions.listParts(own(upload.id)))).code).toBe('upload_in_progress');
    expect((await rejection(t.actions.cancel({ ...own(upload.id), actor: 'x' }))).code).toBe(
      'upload_in_progress',
    );
    expect((await rejection(t.requestUpload(input()))).code).toBe('upload_in_progress');
    // Once verified, complete still answers (idempotent), with the state.
    await t.uploads.transition(upload.id, 'uploaded', { actor: 'verifier' });
    expect((await t.actions.complete(own(upload.id))).state).toBe('uploaded');
  });

  it('a concurrent complete that won: the store has no such upload any more, and the answer is the same', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    for (const [n, size] of [
      [1, 5 * MiB],
      [2, 5 * MiB],
      [3, 2 * MiB + 7],
    ] as const)
      t.store.putPart('mpu-1', n, size);
    const original = t.store.complete.bind(t.store);
    t.store.complete = async (target) => {
      await original(target);
      await t.uploads.markMultipartCompleted(upload.id);
      return 'gone';
    };
    await expect(t.actions.complete(own(upload.id))).resolves.toMatchObject({
      id: upload.id,
      state: 'pending',
    });
  });

  it('records the completion even when the object’s event moved the upload on first', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    for (const [n, size] of [
      [1, 5 * MiB],
      [2, 5 * MiB],
      [3, 2 * MiB + 7],
    ] as const)
      t.store.putPart('mpu-1', n, size);
    const original = t.store.complete.bind(t.store);
    t.store.complete = async (target) => {
      const result = await original(target);
      await t.uploads.transition(upload.id, 'uploaded', { actor: 'verifier' });
      return result;
    };
    await expect(t.actions.complete(own(upload.id))).resolves.toMatchObject({
      state: 'uploaded',
      multipartCompletedAt: NOW,
    });
    await expect(t.actions.complete(own(upload.id))).resolves.toMatchObject({ state: 'uploaded' });
    expect(t.store.completed).toHaveLength(1);
  });

  it('a multipart upload the store lost (aborted behind our back) is 409 upload_not_pending', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    t.store.uploads.clear();
    expect((await rejection(t.actions.listParts(own(upload.id)))).code).toBe('upload_not_pending');
    expect((await rejection(t.actions.complete(own(upload.id)))).code).toBe('upload_not_pending');
  });
});

describe('cancel', () => {
  it('aborts the multipart upload, then expires the upload with reason cancelled and an audit event', async () => {
    const t = setup();
    const { upload } = await multipartUpload(t);
    t.store.putPart('mpu-1', 1, 5 * MiB);
    const cancelled = await t.actions.cancel({ ...own(upload.id), actor: 'api-key:k1' });
    expect(cancelled).toMatchObject({ state: 'expired', reason: 'cancelled' });
    expect(t.store.uploads.size).toBe(0);
    expect((await t.uploads.findWithHistory(upload.id))?.history.at(-1)).toMatchObject({
      fromState: 'pending',
      toState: 'expired',
      reason: 'cancelled',
      actor: 'api-key:k1',
    });
    const again = await rejection(t.actions.cancel({ ...own(upload.id), actor: 'x' }));
    expect(again.code).toBe<ErrorCode>('upload_not_pending');
    expect(again.details).toEqual({ state: 'expired' });
    // The content can be asked for afresh: a new upload.
    const fresh = await multipartUpload(t);
    expect(fresh.upload.id).not.toBe(upload.id);
  });

  it('cancels a single-request upload without touching the store; refuses another customer’s (404)', async () => {
    const t = setup();
    const single = await t.requestUpload(input({ size: 100 }));
    expect(
      (await rejection(t.actions.cancel({ ...own(single.upload.id, BOB), actor: 'x' }))).code,
    ).toBe('upload_not_found');
    await expect(t.actions.cancel({ ...own(single.upload.id), actor: 'x' })).resolves.toMatchObject(
      { state: 'expired', reason: 'cancelled' },
    );
    expect(t.store.calls).toHaveLength(0);
  });

  it('refuses an upload that moved on: 409 upload_not_pending with its state', async () => {
    const t = setup();
    const single = await t.requestUpload(input({ size: 100 }));
    await t.uploads.transition(single.upload.id, 'uploaded', { actor: 'verifier' });
    const error = await rejection(t.actions.cancel({ ...own(single.upload.id), actor: 'x' }));
    expect([error.code, error.details]).toEqual(['upload_not_pending', { state: 'uploaded' }]);
  });
});
