import { createHash, randomBytes } from 'node:crypto';
import {
  AirlockApiError,
  AirlockClient,
  upload,
  type Upload,
  type UploadProgress,
} from '@airlock/client';
import { mintUploadToken, revokeUploadToken } from '@airlock/client/server';
import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { CountingProxy } from './support/counting-proxy.ts';

// Issue 14, item 4: `upload(file, …)` of @airlock/client from Node against the
// real stack (PostgreSQL, the S3 emulator behind a counting proxy, and the
// stack's verifier, scanner and media workers): hashing progress, the bytes,
// the upload followed to its terminal state; duplicates and content already
// on its way followed with nothing sent; abort; upload tokens from the
// server helper.

const MiB = 1024 * 1024;
// Every URL the API signs points at the proxy: PUTs are counted on the wire.
const proxy = new CountingProxy(process.env.S3_ENDPOINT!);
let api: ApiHarness;
let tenant: Tenant;

beforeAll(async () => {
  await proxy.start();
  api = await new ApiHarness({
    S3_ENDPOINT: proxy.url,
    MULTIPART_PART_SIZE_BYTES: String(5 * MiB),
    RATE_LIMIT_PER_MINUTE: '10000',
  }).start();
  tenant = await api.tenant();
});

afterAll(async () => {
  await api.stop();
  await proxy.stop();
});

/** A text file of `size` bytes, unique per call (no dedup across tests). */
function textFile(size: number, name = 'notes.txt') {
  const line = `airlock client test ${randomBytes(8).toString('hex')} `;
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += line.length + 1)
    bytes.write(`${line}\n`.slice(0, size - offset), offset, 'latin1');
  const file = new File([bytes], name, { type: 'text/plain' });
  return { file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const puts = () => proxy.requests.filter((r) => r.method === 'PUT').length;
const withKey = () => ({ apiUrl: api.baseUrl, authorization: `Bearer ${tenant.apiKey}` });

describe('@airlock/client upload() on the real stack', () => {
  it('hashes with progress, PUTs, and resolves with the terminal state (ready)', async () => {
    const { file, sha256 } = textFile(9 * MiB);
    const progress: UploadProgress[] = [];
    const states: string[] = [];
    const created: Array<{ uploadId: string; putsSoFar: number }> = [];
    const before = puts();

    const outcome = await upload(file, {
      ...withKey(),
      siteId: tenant.siteId,
      onProgress: (p) => progress.push(p),
      onState: (u) => states.push(u.state),
      onCreated: (uploadId) => created.push({ uploadId, putsSoFar: puts() - before }),
    });

    expect(outcome).toMatchObject({
      state: 'ready',
      reason: null,
      duplicate: false,
      inProgress: false,
      method: 'PUT',
      partsSent: 1,
    });
    // Name and type from the File; the hash the API recorded is the file's.
    expect(outcome.upload).toMatchObject({
      uploadId: outcome.uploadId,
      fileName: 'notes.txt',
      contentType: 'text/plain',
      size: 9 * MiB,
      sha256,
    });
    expect(puts() - before).toBe(1);
    // Named before any byte was sent (a page records it to cancel it if it goes away).
    expect(created).toEqual([{ uploadId: outcome.uploadId, putsSoFar: 0 }]);

    // Hashing reported chunk by chunk (4 MiB), rising to the whole file, before any byte was sent.
    const hashing = progress.filter((p) => p.phase === 'hashing').map((p) => p.bytesHashed);
    expect(hashing).toEqual([0, 4 * MiB, 8 * MiB, 9 * MiB]);
    const phases = progress.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(['hashing', 'uploading', 'processing', 'done']);
    const sent = progress.filter((p) => p.phase === 'uploading').at(-1)!;
    expect(sent).toMatchObject({ bytesSent: 9 * MiB, bytesConfirmed: 9 * MiB, partsDone: 1 });
    expect(progress.at(-1)).toMatchObject({ phase: 'done', bytesSent: 9 * MiB });

    // Followed through the pipeline's states to the terminal one.
    expect(states.at(-1)).toBe('ready');
    expect(new Set(states).size).toBe(states.length);
  });

  it('the same content again is a duplicate: nothing sent, resolved as ready', async () => {
    const { file } = textFile(64 * 1024);
    const first = await upload(file, { ...withKey(), siteId: tenant.siteId });
    expect(first.state).toBe('ready');
    const before = puts();
    const progress: UploadProgress[] = [];

    const again = await upload(file, {
      ...withKey(),
      siteId: tenant.siteId,
      onProgress: (p) => progress.push(p),
    });

    expect(again).toMatchObject({
      uploadId: first.uploadId,
      state: 'ready',
      duplicate: true,
      method: 'NONE',
      partsSent: 0,
    });
    expect(puts() - before).toBe(0);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', bytesSent: file.size });
  });

  it('content already on its way (409 upload_in_progress) is followed, not sent again', async () => {
    const { file, sha256 } = textFile(64 * 1024);
    // Another caller's upload of the same content, held at `uploaded` (as the
    // verifier leaves it while it reads): no bytes were sent, so no worker
    // races this test; the test itself moves it on while the client follows.
    const created = await api.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: {
        siteId: tenant.siteId,
        fileName: file.name,
        contentType: file.type,
        size: file.size,
        sha256,
      },
    });
    expect(created.status).toBe(201);
    const uploadId = created.body.uploadId as string;
    await api.uploads.transition({ uploadId, to: 'uploaded', actor: 'test' });
    const client = new AirlockClient({
      baseUrl: api.baseUrl,
      authorization: `Bearer ${tenant.apiKey}`,
    });
    const before = puts();

    const following = client.uploadAndWait(file, { siteId: tenant.siteId, sha256 });
    // The client waits the API's Retry-After (2 s) before its first look.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const to of ['verified', 'clean', 'ready'] as const) {
      await api.uploads.transition({ uploadId, to, actor: 'test', detectedContentType: file.type });
    }
    const outcome = await following;

    expect(outcome).toMatchObject({
      uploadId,
      state: 'ready',
      inProgress: true,
      duplicate: false,
      method: 'NONE',
      partsSent: 0,
    });
    expect(outcome.retryAfterMs).toBe(2000);
    expect(puts() - before).toBe(0);
  });

  it('an abort while hashing rejects with its reason and creates nothing', async () => {
    const { file } = textFile(9 * MiB);
    const controller = new AbortController();
    const calls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return fetch(input, init);
    };

    await expect(
      upload(file, {
        ...withKey(),
        fetch: counting,
        siteId: tenant.siteId,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'hashing' && p.bytesHashed > 0) controller.abort(new Error('user left'));
        },
      }),
    ).rejects.toThrow('user left');
    expect(calls).toEqual([]);
  });

  it('an abort once the upload exists cancels it: expired (cancelled), no part sent', async () => {
    const { file } = textFile(6 * MiB);
    const controller = new AbortController();
    let uploadId: string | undefined;
    const before = puts();

    await expect(
      upload(file, {
        ...withKey(),
        siteId: tenant.siteId,
        multipart: true,
        signal: controller.signal,
        onSession: (session) => {
          uploadId = session.uploadId;
          controller.abort(new Error('removed from the list'));
        },
      }),
    ).rejects.toThrow('removed from the list');

    expect(uploadId).toBeDefined();
    const { body } = await api.request('GET', `/v1/uploads/${uploadId}`, {
      apiKey: tenant.apiKey,
    });
    expect(body).toMatchObject({ state: 'expired', reason: 'cancelled' });
    expect(puts() - before).toBe(0);
  });

  it('with an upload token from the server helper: a refused token is renewed once, then ready', async () => {
    const grant = await mintUploadToken({
      apiUrl: api.baseUrl,
      apiKey: tenant.apiKey,
      siteId: tenant.siteId,
      contentTypes: ['text/plain'],
      maxUploads: 5,
      ttlSeconds: 600,
    });
    expect(grant).toMatchObject({ siteId: tenant.siteId, maxUploads: 5 });
    expect(grant.token).toMatch(/^ut_/);

    // The page's function: starts with a stale token; after a 401 it asks its backend again.
    const asked: boolean[] = [];
    let current = `ut_000000000000_${'x'.repeat(32)}`;
    const token = ({ refused }: { refused: boolean }) => {
      asked.push(refused);
      if (refused) current = grant.token;
      return current;
    };
    const states: Upload['state'][] = [];
    const outcome = await upload(textFile(2048).file, {
      apiUrl: api.baseUrl,
      token,
      siteId: grant.siteId,
      onState: (u) => states.push(u.state),
    });

    expect(outcome).toMatchObject({ state: 'ready', method: 'PUT' });
    expect(asked.slice(0, 2)).toEqual([false, true]);
    expect(asked.filter(Boolean)).toHaveLength(1);
    expect(states.at(-1)).toBe('ready');

    // The token's own limits are the API's refusals, as typed errors.
    const image = new File([randomBytes(100)], 'x.png', { type: 'image/png' });
    const refused = upload(image, {
      apiUrl: api.baseUrl,
      token: grant.token,
      siteId: grant.siteId,
    });
    await expect(refused).rejects.toBeInstanceOf(AirlockApiError);
    await expect(refused).rejects.toMatchObject({
      status: 415,
      details: { allowed: ['text/plain'] },
    });

    // Revoked by the backend: the page's next upload is refused (401).
    await revokeUploadToken({ apiUrl: api.baseUrl, apiKey: tenant.apiKey, tokenId: grant.tokenId });
    await expect(
      upload(textFile(100).file, { apiUrl: api.baseUrl, token: grant.token, siteId: grant.siteId }),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('mintUploadToken: the API key is checked, and a refusal is an AirlockApiError', async () => {
    await expect(
      mintUploadToken({ apiUrl: api.baseUrl, apiKey: 'ak_wrong', siteId: tenant.siteId }),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(
      mintUploadToken({
        apiUrl: api.baseUrl,
        apiKey: tenant.apiKey,
        siteId: tenant.siteId,
        ttlSeconds: 7200,
      }),
    ).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
