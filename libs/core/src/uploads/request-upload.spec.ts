import { createHash } from 'node:crypto';
import { AppError, type ErrorCode } from '../errors.ts';
import { DEFAULT_EXPIRY_POLICY } from '../expiry-policy.ts';
import { objectKey, tenantFolder, type FolderMode } from '../key-layout.ts';
import {
  InMemorySiteDirectory,
  InMemoryUploadRepository,
  InMemoryUploadTokenCounter,
  RecordingUrlSigner,
} from '../testing.ts';
import { DEFAULT_SIZE_LIMITS, findAllowedType } from '../type-policy.ts';
import {
  createRequestUpload,
  type RequestUploadInput,
  type RequestUploadResult,
} from './request-upload.ts';
import type { NewUpload, Upload } from './upload.types.ts';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const FOLDER: FolderMode = { mode: 'hmac', secret: 'x'.repeat(32), length: 32 };
const SHA = createHash('sha256').update('hello').digest('hex');
const OTHER_SHA = createHash('sha256').update('world').digest('hex');

const ALICE = 'customer-alice';
const BOB = 'customer-bob';
const ALICE_SITE = { id: 'site-alice', customerId: ALICE, name: 'Alice' };
const ALICE_SITE_2 = { id: 'site-alice-2', customerId: ALICE, name: 'Alice 2' };
const BOB_SITE = { id: 'site-bob', customerId: BOB, name: 'Bob' };

function setup() {
  const sites = new InMemorySiteDirectory().add(ALICE_SITE).add(ALICE_SITE_2).add(BOB_SITE);
  const uploads = new InMemoryUploadRepository({ now: () => NOW });
  const signer = new RecordingUrlSigner();
  const policy = {
    bucket: 'uploads-bucket',
    folder: FOLDER,
    sizeLimits: DEFAULT_SIZE_LIMITS,
    expiry: DEFAULT_EXPIRY_POLICY,
  };
  const requestUpload = createRequestUpload({ sites, uploads, signer, now: () => NOW }, policy);
  return { sites, uploads, signer, requestUpload };
}

function input(overrides: Partial<RequestUploadInput> = {}): RequestUploadInput {
  return {
    callerCustomerId: ALICE,
    siteId: ALICE_SITE.id,
    fileName: 'photo.png',
    contentType: 'image/png',
    size: 1000,
    sha256: SHA,
    actor: 'api-key:alice',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

function expectUpload(result: RequestUploadResult) {
  if (result.outcome !== 'upload')
    throw new Error(`expected outcome upload, got ${result.outcome}`);
  return result;
}

describe('requestUpload', () => {
  describe('refusals', () => {
    it('refuses a type outside the allow-list with 415 and the allowed types', async () => {
      const { requestUpload, uploads, signer } = setup();
      const error = await rejection(requestUpload(input({ contentType: 'text/html' })));
      expect(error.code).toBe<ErrorCode>('unsupported_type');
      expect(error.httpStatus).toBe(415);
      expect(error.details?.['allowed']).toContain('image/png');
      expect(uploads.all()).toHaveLength(0);
      expect(signer.calls).toHaveLength(0);
    });

    it('refuses a size over the category limit with 413', async () => {
      const { requestUpload, uploads } = setup();
      const error = await rejection(
        requestUpload(input({ contentType: 'image/png', size: DEFAULT_SIZE_LIMITS.images + 1 })),
      );
      expect(error.code).toBe<ErrorCode>('file_too_large');
      expect(error.httpStatus).toBe(413);
      expect(error.details).toEqual({ limit: DEFAULT_SIZE_LIMITS.images, category: 'images' });
      expect(uploads.all()).toHaveLength(0);
    });

    it('applies the limit of the category, not the largest one', async () => {
      const { requestUpload } = setup();
      const size = DEFAULT_SIZE_LIMITS.text + 1;
      expect(size).toBeLessThan(DEFAULT_SIZE_LIMITS.documents);
      await expect(
        requestUpload(input({ contentType: 'application/pdf', size })),
      ).resolves.toMatchObject({ outcome: 'upload' });
      const error = await rejection(
        requestUpload(input({ contentType: 'text/plain', size, sha256: OTHER_SHA })),
      );
      expect(error.code).toBe<ErrorCode>('file_too_large');
    });

    it('accepts a size exactly at the limit', async () => {
      const { requestUpload } = setup();
      const result = await requestUpload(input({ size: DEFAULT_SIZE_LIMITS.images }));
      expect(result.outcome).toBe('upload');
    });

    it('refuses a customerId other than the caller with 403', async () => {
      const { requestUpload, uploads } = setup();
      const error = await rejection(requestUpload(input({ customerId: BOB })));
      expect(error.code).toBe<ErrorCode>('forbidden');
      expect(error.httpStatus).toBe(403);
      expect(uploads.all()).toHaveLength(0);
    });

    it('accepts a customerId equal to the caller', async () => {
      const { requestUpload } = setup();
      const result = await requestUpload(input({ customerId: ALICE }));
      expect(result.outcome).toBe('upload');
    });

    it('refuses an unknown site with 404', async () => {
      const { requestUpload } = setup();
      const error = await rejection(requestUpload(input({ siteId: 'no-such-site' })));
      expect(error.code).toBe<ErrorCode>('site_not_found');
      expect(error.httpStatus).toBe(404);
      expect(error.message).toContain('no-such-site');
    });

    it("refuses another customer's site exactly like a missing one: 404", async () => {
      const { requestUpload, uploads, signer } = setup();
      const foreign = await rejection(requestUpload(input({ siteId: BOB_SITE.id })));
      const missing = await rejection(requestUpload(input({ siteId: 'no-such-site' })));
      expect(foreign.code).toBe<ErrorCode>('site_not_found');
      expect(foreign.httpStatus).toBe(404);
      expect(foreign.details).toBeUndefined();
      expect(foreign.message).toBe(missing.message.replace('no-such-site', BOB_SITE.id));
      expect(uploads.all()).toHaveLength(0);
      expect(signer.calls).toHaveLength(0);
    });
  });

  describe('a new upload', () => {
    it('creates a pending upload and presigns a PUT for its key, type, size and hash', async () => {
      const { requestUpload, uploads, signer } = setup();
      const result = expectUpload(await requestUpload(input()));

      const png = findAllowedType('image/png')!;
      const key = objectKey(tenantFolder(ALICE, ALICE_SITE.id, FOLDER), png, SHA);
      expect(result.upload).toMatchObject({
        customerId: ALICE,
        siteId: ALICE_SITE.id,
        dedupScope: `customer:${ALICE}`,
        originalName: 'photo.png',
        declaredContentType: 'image/png',
        declaredSize: 1000,
        declaredSha256: SHA,
        category: 'images',
        bucket: 'uploads-bucket',
        key,
        state: 'pending',
        expiresAt: new Date(NOW.getTime() + 61_000),
      });
      expect(signer.calls).toEqual([
        {
          bucket: 'uploads-bucket',
          key,
          contentType: 'image/png',
          contentLength: 1000,
          sha256Hex: SHA,
          expiresInSeconds: 61,
        },
      ]);
      expect(result.presigned.method).toBe('PUT');
      expect(result.presigned.url).toContain(key);
      // Only headers a browser may set: the URL signs Content-Length, which clients send themselves.
      expect(result.presigned.headers).toEqual({
        'Content-Type': 'image/png',
        'x-amz-checksum-sha256': Buffer.from(SHA, 'hex').toString('base64'),
      });
      expect(uploads.all()).toHaveLength(1);
    });

    it('uses the system clock when none is given', async () => {
      const { sites, uploads, signer } = setup();
      const requestUpload = createRequestUpload(
        { sites, uploads, signer },
        {
          bucket: 'b',
          folder: FOLDER,
          sizeLimits: DEFAULT_SIZE_LIMITS,
          expiry: DEFAULT_EXPIRY_POLICY,
        },
      );
      const before = Date.now();
      const { upload } = await requestUpload(input());
      const after = Date.now();
      expect(upload.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 61_000);
      expect(upload.expiresAt.getTime()).toBeLessThanOrEqual(after + 61_000);
      expect(signer.calls[0]?.expiresInSeconds).toBeGreaterThanOrEqual(60);
      expect(signer.calls[0]?.expiresInSeconds).toBeLessThanOrEqual(61);
    });

    it('records the creation with its actor', async () => {
      const { requestUpload, uploads } = setup();
      const { upload } = await requestUpload(input({ actor: 'api-key:abc' }));
      const stored = await uploads.findWithHistory(upload.id);
      expect(stored?.history).toEqual([
        { fromState: null, toState: 'pending', reason: null, actor: 'api-key:abc', at: NOW },
      ]);
    });

    it('signs the canonical content type, not the one declared', async () => {
      const { requestUpload, signer } = setup();
      const { upload } = await requestUpload(input({ contentType: 'Image/PNG; charset=binary' }));
      expect(upload.declaredContentType).toBe('image/png');
      expect(signer.calls[0]?.contentType).toBe('image/png');
    });

    it('normalises an upper-case sha256 to lower case', async () => {
      const { requestUpload, signer } = setup();
      const { upload } = await requestUpload(input({ sha256: SHA.toUpperCase() }));
      expect(upload.declaredSha256).toBe(SHA);
      expect(upload.key).toMatch(new RegExp(`/images/${SHA}\\.png$`));
      expect(signer.calls[0]?.sha256Hex).toBe(SHA);

      const again = await requestUpload(input({ sha256: SHA }));
      expect(again.upload.id).toBe(upload.id);
    });
  });

  describe('the same content again', () => {
    it('while pending: returns the same upload with a fresh presigned URL', async () => {
      const { requestUpload, uploads, signer } = setup();
      const first = expectUpload(await requestUpload(input()));
      const second = expectUpload(await requestUpload(input({ fileName: 'copy.png' })));

      expect(second.upload.id).toBe(first.upload.id);
      expect(second.upload.originalName).toBe('photo.png');
      expect(signer.calls).toHaveLength(2);
      expect(signer.calls[1]).toEqual(signer.calls[0]);
      expect(second.presigned).toEqual(first.presigned);
      expect(uploads.all()).toHaveLength(1);
    });

    it('while pending with a later clock: extends the expiry and signs for the time left', async () => {
      let now = NOW;
      const uploads = new InMemoryUploadRepository({ now: () => now });
      const signer = new RecordingUrlSigner();
      const requestUpload = createRequestUpload(
        { sites: new InMemorySiteDirectory().add(ALICE_SITE), uploads, signer, now: () => now },
        {
          bucket: 'b',
          folder: FOLDER,
          sizeLimits: DEFAULT_SIZE_LIMITS,
          expiry: DEFAULT_EXPIRY_POLICY,
        },
      );
      const first = await requestUpload(input());
      now = new Date(NOW.getTime() + 30_000);
      const second = expectUpload(await requestUpload(input()));

      expect(second.upload.id).toBe(first.upload.id);
      expect(second.upload.expiresAt).toEqual(new Date(now.getTime() + 61_000));
      expect(signer.calls.map((c) => c.expiresInSeconds)).toEqual([61, 61]);
    });

    it.each(['verified', 'clean', 'ready'] as const)(
      'once %s: reports a duplicate and signs nothing',
      async (state) => {
        const { requestUpload, uploads, signer } = setup();
        const first = await requestUpload(input());
        const path = ['verified', 'clean', 'ready'];
        for (const step of path.slice(0, path.indexOf(state) + 1)) {
          expect(
            await uploads.transition(first.upload.id, step as typeof state, { actor: 'worker' }),
          ).toBeDefined();
        }
        signer.calls.length = 0;

        const result = await requestUpload(input());
        expect(result.outcome).toBe('duplicate');
        expect(result.upload.id).toBe(first.upload.id);
        expect(result.upload.state).toBe(state);
        expect(result).not.toHaveProperty('presigned');
        expect(signer.calls).toHaveLength(0);
        expect(uploads.all()).toHaveLength(1);
      },
    );

    it('once uploaded but not yet verified: 409 upload_in_progress', async () => {
      const { requestUpload, uploads, signer } = setup();
      const first = await requestUpload(input());
      await uploads.transition(first.upload.id, 'uploaded', { actor: 'worker' });
      signer.calls.length = 0;

      const error = await rejection(requestUpload(input()));
      expect(error.code).toBe<ErrorCode>('upload_in_progress');
      expect(error.httpStatus).toBe(409);
      expect(error.details).toEqual({ uploadId: first.upload.id });
      expect(signer.calls).toHaveLength(0);
    });

    it.each(['pending', 'uploaded', 'verified', 'clean', 'ready'] as const)(
      'once %s, with another size or type: 409 upload_conflict naming no upload',
      async (state) => {
        const { requestUpload, uploads, signer } = setup();
        const first = await requestUpload(input({ size: 1000, contentType: 'image/png' }));
        const path = ['uploaded', 'verified', 'clean', 'ready'];
        for (const step of path.slice(0, path.indexOf(state) + 1)) {
          expect(
            await uploads.transition(first.upload.id, step as typeof state, { actor: 'worker' }),
          ).toBeDefined();
        }
        signer.calls.length = 0;

        for (const other of [
          { size: 1001 },
          { contentType: 'image/jpeg' },
          { contentType: 'text/plain', size: 1001 },
          { siteId: ALICE_SITE_2.id, size: 999 },
        ]) {
          const error = await rejection(requestUpload(input(other)));
          expect(error.code).toBe<ErrorCode>('upload_conflict');
          expect(error.httpStatus).toBe(409);
          expect(error.details).toBeUndefined();
          expect(error.message).not.toContain(first.upload.id);
        }
        expect(signer.calls).toHaveLength(0);
        expect(uploads.all()).toHaveLength(1);
        expect((await uploads.findWithHistory(first.upload.id))?.upload.expiresAt).toEqual(
          first.upload.expiresAt,
        );
      },
    );

    it('the declared type is compared in its canonical form', async () => {
      const { requestUpload, uploads } = setup();
      const first = await requestUpload(input({ contentType: 'image/png' }));
      await uploads.transition(first.upload.id, 'uploaded', { actor: 'worker' });
      await uploads.transition(first.upload.id, 'verified', { actor: 'worker' });
      const again = await requestUpload(input({ contentType: 'IMAGE/PNG; charset=binary' }));
      expect(again).toMatchObject({ outcome: 'duplicate', upload: { id: first.upload.id } });
    });

    it.each(['rejected', 'expired'] as const)(
      'after the earlier upload was %s: creates a new upload',
      async (dead) => {
        const { requestUpload, uploads } = setup();
        const first = await requestUpload(input());
        expect(await uploads.transition(first.upload.id, dead, { actor: 'worker' })).toBeDefined();

        const second = expectUpload(await requestUpload(input({ size: 2000 })));
        expect(second.upload.id).not.toBe(first.upload.id);
        expect(second.upload.state).toBe('pending');
        expect(second.upload.declaredSize).toBe(2000);
        expect(uploads.all().map((u) => u.state)).toEqual([dead, 'pending']);
      },
    );
  });

  describe('dedup scope: one customer', () => {
    it('keeps customers apart', async () => {
      const { requestUpload, uploads } = setup();
      const alice = await requestUpload(input());
      const bob = await requestUpload(
        input({ callerCustomerId: BOB, siteId: BOB_SITE.id, actor: 'api-key:bob' }),
      );

      expect(bob.outcome).toBe('upload');
      expect(bob.upload.id).not.toBe(alice.upload.id);
      expect(bob.upload.customerId).toBe(BOB);
      expect(bob.upload.dedupScope).toBe(`customer:${BOB}`);
      expect(bob.upload.key).not.toBe(alice.upload.key);
      expect(uploads.all()).toHaveLength(2);
    });

    it("still deduplicates across one customer's sites", async () => {
      const { requestUpload, uploads } = setup();
      const first = await requestUpload(input({ siteId: ALICE_SITE.id }));
      const second = await requestUpload(input({ siteId: ALICE_SITE_2.id }));
      expect(second.upload.id).toBe(first.upload.id);
      expect(uploads.all()).toHaveLength(1);
    });

    it.each(['pending', 'uploaded', 'verified', 'ready'] as const)(
      "another customer's %s upload of the same hash neither blocks nor shows",
      async (state) => {
        const { requestUpload, uploads } = setup();
        const bobInput = input({ callerCustomerId: BOB, siteId: BOB_SITE.id, actor: 'bob' });
        const bob = await requestUpload(bobInput);
        const path = ['uploaded', 'verified', 'clean', 'ready'];
        for (const step of path.slice(0, path.indexOf(state) + 1)) {
          await uploads.transition(bob.upload.id, step as typeof state, { actor: 'worker' });
        }

        // Same hash, and even another type and size: Alice gets her own upload.
        for (const other of [{}, { contentType: 'image/jpeg', size: 5 }]) {
          const alice = expectUpload(await requestUpload(input(other)));
          expect(alice.upload.id).not.toBe(bob.upload.id);
          expect(alice.upload.customerId).toBe(ALICE);
          expect(alice.upload.dedupScope).toBe(`customer:${ALICE}`);
          await uploads.transition(alice.upload.id, 'expired', { actor: 'test' });
        }
        // And Bob's own upload is untouched by Alice's requests.
        expect((await uploads.findWithHistory(bob.upload.id))?.upload.state).toBe(state);
      },
    );
  });

  describe('races', () => {
    it('retries when a concurrent insert wins, then returns the winner', async () => {
      const { requestUpload, uploads, signer } = setup();
      const winner = await requestUpload(input());
      signer.calls.length = 0;
      // The first lookup misses the row another request is inserting.
      let misses = 1;
      const find = uploads.findLiveByHash.bind(uploads);
      uploads.findLiveByHash = async (scope, sha) => (misses-- > 0 ? undefined : find(scope, sha));

      const result = expectUpload(await requestUpload(input()));
      expect(result.upload.id).toBe(winner.upload.id);
      expect(signer.calls).toHaveLength(1);
      expect(uploads.all()).toHaveLength(1);
    });

    it('looks again when the pending upload moved on before it could be extended', async () => {
      const { requestUpload, uploads, signer } = setup();
      const first = await requestUpload(input());
      signer.calls.length = 0;
      const extend = uploads.extendPending.bind(uploads);
      uploads.extendPending = async (id, expiresAt) => {
        await uploads.transition(id, 'verified', { actor: 'worker' });
        return extend(id, expiresAt);
      };

      const result = await requestUpload(input());
      expect(result.outcome).toBe('duplicate');
      expect(result.upload.id).toBe(first.upload.id);
      expect(signer.calls).toHaveLength(0);
    });

    it('gives up with 409 after losing the race too often', async () => {
      const { requestUpload, uploads } = setup();
      await requestUpload(input());
      let inserts = 0;
      const insert = uploads.insertPending.bind(uploads);
      uploads.findLiveByHash = async () => undefined;
      uploads.insertPending = async (upload: NewUpload, actor: string) => {
        inserts++;
        return insert(upload, actor);
      };

      const error = await rejection(requestUpload(input()));
      expect(error.code).toBe<ErrorCode>('upload_in_progress');
      expect(inserts).toBe(5);
      expect(uploads.all()).toHaveLength(1);
    });
  });
});

describe('in-memory fakes', () => {
  const newUpload = (overrides: Partial<NewUpload> = {}): NewUpload => ({
    customerId: ALICE,
    siteId: ALICE_SITE.id,
    dedupScope: `customer:${ALICE}`,
    originalName: 'a.txt',
    declaredContentType: 'text/plain',
    declaredSize: 1,
    declaredSha256: SHA,
    category: 'text',
    bucket: 'b',
    key: 'k',
    expiresAt: NOW,
    ...overrides,
  });

  it('InMemorySiteDirectory finds only added sites', async () => {
    const sites = new InMemorySiteDirectory().add(ALICE_SITE);
    expect(await sites.findSite(ALICE_SITE.id)).toEqual(ALICE_SITE);
    expect(await sites.findSite(BOB_SITE.id)).toBeUndefined();
  });

  it('InMemoryUploadRepository allows one live upload per scope and hash', async () => {
    const repo = new InMemoryUploadRepository();
    const first = await repo.insertPending(newUpload(), 'a');
    expect(first?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await repo.insertPending(newUpload(), 'a')).toBeUndefined();
    const bob = { customerId: 'customer-bob', dedupScope: 'customer:customer-bob' };
    expect(await repo.insertPending(newUpload(bob), 'a')).toBeDefined();
    expect(await repo.insertPending(newUpload({ declaredSha256: OTHER_SHA }), 'a')).toBeDefined();
    await repo.transition(first!.id, 'quarantined', { actor: 'w' }); // not allowed from pending
    expect((await repo.findLiveByHash(`customer:${ALICE}`, SHA))?.id).toBe(first!.id);
    await repo.transition(first!.id, 'rejected', { actor: 'w', reason: 'hash mismatch' });
    expect(await repo.findLiveByHash(`customer:${ALICE}`, SHA)).toBeUndefined();
    expect(await repo.insertPending(newUpload(), 'a')).toBeDefined();
  });

  it('InMemoryUploadRepository transitions by compare-and-set and keeps the history', async () => {
    const repo = new InMemoryUploadRepository({ now: () => NOW });
    const upload = (await repo.insertPending(newUpload(), 'api'))!;
    expect(await repo.transition(upload.id, 'ready', { actor: 'w' })).toBeUndefined();
    expect(await repo.transition('missing', 'uploaded', { actor: 'w' })).toBeUndefined();
    const moved = await repo.transition(upload.id, 'rejected', { actor: 'w', reason: 'bad' });
    expect(moved).toMatchObject({ state: 'rejected', reason: 'bad' });
    expect((await repo.findWithHistory(upload.id))?.history).toEqual([
      { fromState: null, toState: 'pending', reason: null, actor: 'api', at: NOW },
      { fromState: 'pending', toState: 'rejected', reason: 'bad', actor: 'w', at: NOW },
    ]);
    expect(await repo.findWithHistory('missing')).toBeUndefined();
  });

  it('InMemoryUploadRepository extends only pending uploads, and never shortens', async () => {
    const repo = new InMemoryUploadRepository();
    const upload = (await repo.insertPending(newUpload({ expiresAt: NOW }), 'api'))!;
    const earlier = new Date(NOW.getTime() - 1000);
    const later = new Date(NOW.getTime() + 1000);
    expect((await repo.extendPending(upload.id, earlier))?.expiresAt).toEqual(NOW);
    expect((await repo.extendPending(upload.id, later))?.expiresAt).toEqual(later);
    await repo.transition(upload.id, 'uploaded', { actor: 'w' });
    expect(await repo.extendPending(upload.id, new Date(later.getTime() + 1))).toBeUndefined();
    expect(await repo.extendPending('missing', later)).toBeUndefined();
  });

  it('InMemoryUploadRepository hands out copies', async () => {
    const repo = new InMemoryUploadRepository();
    const upload = (await repo.insertPending(newUpload(), 'api')) as {
      -readonly [K in keyof Upload]: Upload[K];
    };
    upload.state = 'ready';
    expect((await repo.findLiveByHash(`customer:${ALICE}`, SHA))?.state).toBe('pending');
  });

  it('RecordingUrlSigner is deterministic and records every call', async () => {
    const signer = new RecordingUrlSigner();
    const request = {
      bucket: 'b',
      key: 'f/images/x.png',
      contentType: 'image/png',
      contentLength: 5,
      sha256Hex: SHA,
      expiresInSeconds: 61,
    };
    const a = await signer.presignPut(request);
    const b = await signer.presignPut(request);
    expect(a).toEqual(b);
    expect(a.headers['x-amz-checksum-sha256']).toBe('LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=');
    expect(signer.calls).toEqual([request, request]);
  });
});

describe('requestUpload with an upload token', () => {
  const TOKEN = {
    id: 'token-1',
    customerId: ALICE,
    siteId: ALICE_SITE.id,
    apiKeyId: 'key-alice',
    contentTypes: ['image/png', 'text/plain'],
    maxSize: 5000,
    maxUploads: 2,
    expiresAt: new Date(NOW.getTime() + 900_000),
    origin: null,
    siteOrigins: ['https://shop.example'],
  };

  function tokenSetup() {
    const base = setup();
    const tokens = new InMemoryUploadTokenCounter()
      .add(TOKEN.id, TOKEN.maxUploads)
      .add('token-2', 5);
    const requestUpload = createRequestUpload(
      { sites: base.sites, uploads: base.uploads, signer: base.signer, tokens, now: () => NOW },
      {
        bucket: 'uploads-bucket',
        folder: FOLDER,
        sizeLimits: DEFAULT_SIZE_LIMITS,
        expiry: DEFAULT_EXPIRY_POLICY,
      },
    );
    return { ...base, tokens, requestUpload };
  }

  const withToken = (overrides: Partial<RequestUploadInput> = {}): RequestUploadInput =>
    input({ siteId: undefined, token: TOKEN, actor: 'upload-token:token-1', ...overrides });

  it('uploads to the token’s site, in a dedup scope and an object of its own, issued by its key', async () => {
    const { requestUpload, uploads, tokens } = tokenSetup();
    const result = expectUpload(await requestUpload(withToken()));
    const folder = tenantFolder(ALICE, ALICE_SITE.id, FOLDER);
    expect(result.upload).toMatchObject({
      siteId: ALICE_SITE.id,
      dedupScope: `customer:${ALICE}:token:token-1`,
      key: `${folder}/images/${SHA}/token-1.png`,
      uploadTokenId: 'token-1',
      apiKeyId: 'key-alice',
    });
    expect(uploads.all()).toHaveLength(1);
    expect(tokens.created.get('token-1')).toBe(1);
  });

  it('never names the customer’s own upload of the same bytes: the token gets its own', async () => {
    const { requestUpload, uploads } = tokenSetup();
    const mine = expectUpload(await requestUpload(input()));
    await uploads.transition(mine.upload.id, 'uploaded', { actor: 'test' });
    await uploads.transition(mine.upload.id, 'verified', { actor: 'test' });
    const theirs = expectUpload(await requestUpload(withToken()));
    expect(theirs.upload.id).not.toBe(mine.upload.id);
    expect(theirs.upload.key).not.toBe(mine.upload.key);
    // …nor another token's.
    const other = expectUpload(
      await requestUpload(withToken({ token: { ...TOKEN, id: 'token-2' } })),
    );
    expect(other.upload.id).not.toBe(theirs.upload.id);
  });

  it('gives a reloaded page its own upload back without counting it again', async () => {
    const { requestUpload, tokens } = tokenSetup();
    const first = expectUpload(await requestUpload(withToken()));
    const again = expectUpload(await requestUpload(withToken({ fileName: 'again.png' })));
    expect(again.upload.id).toBe(first.upload.id);
    expect(tokens.created.get('token-1')).toBe(1);
  });

  it('refuses a new upload past maxUploads with 403 token_exhausted, creating nothing', async () => {
    const { requestUpload, uploads } = tokenSetup();
    await requestUpload(withToken({ sha256: SHA }));
    await requestUpload(withToken({ sha256: OTHER_SHA }));
    const third = createHash('sha256').update('third').digest('hex');
    const error = await rejection(requestUpload(withToken({ sha256: third })));
    expect(error).toMatchObject({ code: 'token_exhausted', httpStatus: 403 });
    expect(uploads.all()).toHaveLength(2);
  });

  it('refuses another site, type or size before anything is stored or counted', async () => {
    const { requestUpload, uploads, tokens } = tokenSetup();
    expect((await rejection(requestUpload(withToken({ siteId: ALICE_SITE_2.id })))).code).toBe(
      'forbidden',
    );
    expect((await rejection(requestUpload(withToken({ siteId: BOB_SITE.id })))).code).toBe(
      'forbidden',
    );
    expect(
      (await rejection(requestUpload(withToken({ contentType: 'application/pdf' })))).code,
    ).toBe('unsupported_type');
    expect((await rejection(requestUpload(withToken({ size: 5001 })))).code).toBe('file_too_large');
    expect(uploads.all()).toHaveLength(0);
    expect(tokens.created.get('token-1')).toBe(0);
  });

  it('requires siteId of an API key (400 at siteId)', async () => {
    const { requestUpload } = tokenSetup();
    const error = await rejection(requestUpload(input({ siteId: undefined })));
    expect(error).toMatchObject({
      code: 'invalid_request',
      details: { issues: [expect.objectContaining({ path: 'siteId' })] },
    });
  });

  it('gives the claim back when the insert lost a race', async () => {
    const { requestUpload, uploads, tokens } = tokenSetup();
    const insert = uploads.insertPending.bind(uploads);
    let raced = false;
    uploads.insertPending = async (upload: NewUpload, actor: string) => {
      if (!raced) {
        raced = true;
        await insert(upload, actor); // a concurrent request of the same page wins
        return undefined;
      }
      return insert(upload, actor);
    };
    const result = expectUpload(await requestUpload(withToken()));
    expect(uploads.all()).toHaveLength(1);
    expect(result.upload.uploadTokenId).toBe('token-1');
    // The winner's request counted its claim in real life; here only the loser's was made and given back.
    expect(tokens.created.get('token-1')).toBe(0);
  });
});
