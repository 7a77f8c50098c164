import { waitForState, type ApiAnswer } from '@airlock/testing';
import { ApiHarness, uniqueText, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

// Issue 14, item 3: browser upload tokens and CORS on /v1, against the real
// stack (PostgreSQL, the S3 emulator, and the stack's verifier, scanner and
// media workers driving uploads to `ready`).

const harness = new ApiHarness({ RATE_LIMIT_PER_MINUTE: '10000' });
const SHOP = 'https://shop.example';
const ADMIN = 'http://localhost:5173';
const EVIL = 'https://evil.example';
let tenant: Tenant;
let other: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
  other = await harness.tenant();
  // Before any request, so the API's origin cache loads them on its first preflight.
  await harness.tenants.setSiteOrigins(tenant.siteId, [SHOP, ADMIN]);
});
afterAll(() => harness.stop());

type Answer = { status: number; headers: Headers; body: ApiAnswer };

async function call(
  method: string,
  path: string,
  options: {
    bearer?: string;
    body?: unknown;
    origin?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const response = await fetch(`${harness.baseUrl}${path}`, {
    method,
    headers: {
      ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: 'manual',
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

async function mint(t: Tenant = tenant, body: Record<string, unknown> = {}) {
  const response = await call('POST', '/v1/upload-tokens', {
    bearer: t.apiKey,
    body: { siteId: t.siteId, ...body },
  });
  expect(response.status).toBe(201);
  expectMatchesOpenApi('post', '/v1/upload-tokens', 201, response.body);
  return response.body as {
    tokenId: string;
    token: string;
    expiresAt: string;
    siteId: string;
    contentTypes: string[] | null;
    maxSize: number | null;
    maxUploads: number;
    origin: string | null;
  };
}

const declare = (
  bearer: string,
  file: ReturnType<typeof uniqueText>,
  overrides: Record<string, unknown> = {},
  origin?: string,
) =>
  call('POST', '/v1/uploads', {
    bearer,
    origin,
    body: {
      fileName: 'notes.txt',
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
      ...overrides,
    },
  });

async function put(answer: Answer, file: ReturnType<typeof uniqueText>): Promise<void> {
  const { url, headers } = answer.body.upload as { url: string; headers: Record<string, string> };
  const response = await fetch(url, { method: 'PUT', headers, body: file.bytes });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
}

/** Follows the upload with GETs (with `bearer` alone) until it is terminal. */
async function followToTerminal(bearer: string, uploadId: string, origin?: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = await call('GET', `/v1/uploads/${uploadId}`, { bearer, origin });
    expect(got.status).toBe(200);
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', 200, got.body);
    if (['ready', 'rejected', 'quarantined', 'expired'].includes(got.body.state)) return got.body;
    if (Date.now() > deadline) throw new Error(`upload ${uploadId} still ${got.body.state}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe('minting upload tokens', () => {
  it('with an API key: 201 with the token shown once, stored only as a hash, defaults applied', async () => {
    const minted = await mint(tenant, {
      contentTypes: ['TEXT/PLAIN', 'image/png'],
      maxSize: 1000,
      origin: `${SHOP}/`,
    });
    expect(minted).toMatchObject({
      siteId: tenant.siteId,
      contentTypes: ['text/plain', 'image/png'],
      maxSize: 1000,
      maxUploads: 10,
      origin: SHOP,
    });
    const lifetime = new Date(minted.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    const { rows } = await harness.pool.query(
      'SELECT token_hash, prefix FROM upload_tokens WHERE id = $1',
      [minted.tokenId],
    );
    expect(minted.token.startsWith(`ut_${rows[0].prefix}_`)).toBe(true);
    expect(Buffer.from(rows[0].token_hash).toString('utf8')).not.toContain(minted.token);
  });

  it('refuses another customer’s site like a missing one (404), and bad limits with 400 issues', async () => {
    const foreign = await call('POST', '/v1/upload-tokens', {
      bearer: tenant.apiKey,
      body: { siteId: other.siteId },
    });
    const missing = await call('POST', '/v1/upload-tokens', {
      bearer: tenant.apiKey,
      body: { siteId: '00000000-0000-4000-8000-000000000000' },
    });
    expect([foreign.status, missing.status]).toEqual([404, 404]);
    expect(foreign.body.error.code).toBe('site_not_found');
    for (const body of [
      { ttlSeconds: 3601 },
      { contentTypes: ['text/html'] },
      { origin: 'https://shop.example/page' },
      { maxUploads: 0 },
      { maxSize: 10 * 1024 ** 4 },
      { unknown: true },
    ]) {
      const refused = await call('POST', '/v1/upload-tokens', {
        bearer: tenant.apiKey,
        body: { siteId: tenant.siteId, ...body },
      });
      expect([JSON.stringify(body), refused.status]).toEqual([JSON.stringify(body), 400]);
      expectMatchesOpenApi('post', '/v1/upload-tokens', 400, refused.body);
    }
  });
});

describe('a browser with only a token', () => {
  it('creates an upload for the token’s site, PUTs it and follows it to ready', async () => {
    const { token, tokenId } = await mint();
    const file = uniqueText('token');
    const created = await declare(token, file);
    expect(created.status).toBe(201);
    expectMatchesOpenApi('post', '/v1/uploads', 201, created.body);
    await put(created, file);
    const final = await followToTerminal(token, created.body.uploadId);
    expect(final).toMatchObject({ state: 'ready', siteId: tenant.siteId });
    const { rows } = await harness.pool.query(
      'SELECT upload_token_id, api_key_id, dedup_scope FROM uploads WHERE id = $1',
      [created.body.uploadId],
    );
    expect(rows[0]).toMatchObject({
      upload_token_id: tokenId,
      dedup_scope: `customer:${tenant.customerId}:token:${tokenId}`,
    });
    // The issuing key is recorded, so the verifier's issuer check keeps working.
    expect(rows[0].api_key_id).not.toBeNull();
    // The customer's server still sees it with its key.
    expect(
      (await call('GET', `/v1/uploads/${created.body.uploadId}`, { bearer: tenant.apiKey })).status,
    ).toBe(200);
  });

  it('gets its own upload back for the same content (a reloaded page resumes), then 200 duplicate of its own', async () => {
    const { token } = await mint();
    const file = uniqueText('resume');
    const first = await declare(token, file);
    const again = await declare(token, file, { fileName: 'renamed.txt' });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.uploadId).toBe(first.body.uploadId);
    await put(again, file);
    await waitForState(harness.uploads, first.body.uploadId, ['ready']);
    const duplicate = await declare(token, file);
    expect(duplicate.status).toBe(200);
    expect(duplicate.body).toMatchObject({ uploadId: first.body.uploadId, duplicate: true });
  });

  it('never gets the key’s upload of the same bytes: its own upload and object, and both reach ready', async () => {
    const file = uniqueText('shared');
    const byKey = await declare(tenant.apiKey, file, { siteId: tenant.siteId });
    expect(byKey.status).toBe(201);
    await put(byKey, file);
    await waitForState(harness.uploads, byKey.body.uploadId, ['ready']);
    // The key now gets a duplicate; the token must not.
    expect((await declare(tenant.apiKey, file, { siteId: tenant.siteId })).status).toBe(200);

    const { token } = await mint();
    const byToken = await declare(token, file);
    expect(byToken.status).toBe(201);
    expect(byToken.body.uploadId).not.toBe(byKey.body.uploadId);
    expect(byToken.body.key).not.toBe(byKey.body.key);
    expect(JSON.stringify(byToken.body)).not.toContain(byKey.body.uploadId);
    expect(byToken.body.key).toMatch(new RegExp(`/text/${file.sha256}/[0-9a-f-]{36}\\.txt$`));
    await put(byToken, file);
    const final = await followToTerminal(token, byToken.body.uploadId);
    expect(final.state).toBe('ready');
    expect(JSON.stringify(final)).not.toContain(byKey.body.uploadId);
    expect((await harness.uploads.find(byKey.body.uploadId))?.state).toBe('ready');

    // A pending upload of the key's is not named either (no 409 naming it).
    const pendingFile = uniqueText('pending');
    const pendingByKey = await declare(tenant.apiKey, pendingFile, { siteId: tenant.siteId });
    const pendingByToken = await declare(token, pendingFile);
    expect(pendingByToken.status).toBe(201);
    expect(JSON.stringify(pendingByToken.body)).not.toContain(pendingByKey.body.uploadId);
  });
});

describe('a token’s limits', () => {
  it('type outside its list → 415 naming its list; over maxSize → 413; another site → 403', async () => {
    const { token } = await mint(tenant, { contentTypes: ['image/png'], maxSize: 20 });
    const file = uniqueText('limits');
    const wrongType = await declare(token, file, { contentType: 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.details.allowed).toEqual(['image/png']);
    expectMatchesOpenApi('post', '/v1/uploads', 415, wrongType.body);
    const tooLarge = await declare(token, file, { contentType: 'image/png' });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.details.limit).toBe(20);
    const secondSite = await harness.tenants.addSite(tenant.customerId, `second-${Date.now()}`);
    for (const siteId of [secondSite.id, other.siteId]) {
      const elsewhere = await declare(token, file, { contentType: 'image/png', size: 10, siteId });
      expect(elsewhere.status).toBe(403);
      expectMatchesOpenApi('post', '/v1/uploads', 403, elsewhere.body);
    }
  });

  it('past maxUploads → 403 token_exhausted; a resumed upload is not counted', async () => {
    const { token, tokenId } = await mint(tenant, { maxUploads: 2 });
    const [a, b, c] = [uniqueText('a'), uniqueText('b'), uniqueText('c')];
    expect((await declare(token, a)).status).toBe(201);
    expect((await declare(token, a)).status).toBe(201); // resumed
    expect((await declare(token, b)).status).toBe(201);
    const third = await declare(token, c);
    expect(third.status).toBe(403);
    expect(third.body.error.code).toBe('token_exhausted');
    expectMatchesOpenApi('post', '/v1/uploads', 403, third.body);
    const { rows } = await harness.pool.query(
      'SELECT uploads_created FROM upload_tokens WHERE id = $1',
      [tokenId],
    );
    expect(rows[0].uploads_created).toBe(2);
  });

  it('counts atomically: 12 concurrent new uploads on a token of 5 → exactly 5 created', async () => {
    const { token } = await mint(tenant, { maxUploads: 5 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => declare(token, uniqueText(`c${i}`))),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    expect(answers.filter((a) => a.body.error?.code === 'token_exhausted')).toHaveLength(7);
  });

  it('expired (1-second token, or expires_at moved), revoked, malformed, unknown, or key revoked → 401', async () => {
    const file = uniqueText('expiry');
    const short = await mint(tenant, { ttlSeconds: 1 });
    expect((await declare(short.token, file)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await declare(short.token, file);
    expect(expired.status).toBe(401);
    expectMatchesOpenApi('post', '/v1/uploads', 401, expired.body);

    const moved = await mint();
    await harness.pool.query(
      "UPDATE upload_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
      [moved.tokenId],
    );
    expect((await declare(moved.token, file)).status).toBe(401);

    const revoked = await mint();
    const created = await declare(revoked.token, file);
    expect(created.status).toBe(201);
    const revoke = await call('DELETE', `/v1/upload-tokens/${revoked.tokenId}`, {
      bearer: tenant.apiKey,
    });
    expect(revoke.status).toBe(204);
    expect(
      (await call('GET', `/v1/uploads/${created.body.uploadId}`, { bearer: revoked.token })).status,
    ).toBe(401);
    // Revoked twice, or another customer's token: 404.
    expect(
      (await call('DELETE', `/v1/upload-tokens/${revoked.tokenId}`, { bearer: tenant.apiKey }))
        .status,
    ).toBe(404);
    const theirs = await mint(other);
    const foreign = await call('DELETE', `/v1/upload-tokens/${theirs.tokenId}`, {
      bearer: tenant.apiKey,
    });
    expect(foreign.status).toBe(404);
    expectMatchesOpenApi('delete', '/v1/upload-tokens/{tokenId}', 404, foreign.body);
    expect((await declare(theirs.token, uniqueText())).status).toBe(201);

    const live = await mint();
    for (const bad of [
      `${live.token.slice(0, -1)}${live.token.endsWith('A') ? 'B' : 'A'}`,
      'ut_000000000000_' + 'A'.repeat(32),
      'ut_malformed',
    ])
      expect((await declare(bad, file)).status).toBe(401);

    const customer = await harness.tenant();
    const key = await harness.tenants.issueKey(customer.customerId);
    const byRevokedKey = await mint({ ...customer, apiKey: key.key });
    expect((await declare(byRevokedKey.token, uniqueText())).status).toBe(201);
    expect(await harness.tenants.revokeKey(key.id)).toBe(true);
    expect((await declare(byRevokedKey.token, uniqueText())).status).toBe(401);
  });

  it('a revoked token’s outstanding URL is refused by the verifier (issuer_revoked)', async () => {
    const { token, tokenId } = await mint();
    const file = uniqueText('revoked-url');
    const created = await declare(token, file);
    expect(
      (await call('DELETE', `/v1/upload-tokens/${tokenId}`, { bearer: tenant.apiKey })).status,
    ).toBe(204);
    await put(created, file);
    const found = await waitForState(harness.uploads, created.body.uploadId, [
      'rejected',
      'quarantined',
      'verified',
      'ready',
    ]);
    expect(found.upload).toMatchObject({ state: 'rejected', reason: 'issuer_revoked' });
  });
});

describe('what a token may see and do', () => {
  let keyUpload: string;
  let otherTokenUpload: string;
  let token: string;

  beforeAll(async () => {
    const byKey = await declare(tenant.apiKey, uniqueText('key'), { siteId: tenant.siteId });
    keyUpload = byKey.body.uploadId;
    const otherToken = await mint();
    otherTokenUpload = (await declare(otherToken.token, uniqueText('other token'))).body.uploadId;
    token = (await mint()).token;
  });

  it.each([
    ['GET', ''],
    ['GET', '/content'],
    ['GET', '/parts'],
    ['POST', '/parts'],
    ['POST', '/complete'],
    ['DELETE', ''],
  ])('%s /v1/uploads/:id%s of the key’s or another token’s upload → 404', async (method, tail) => {
    for (const id of [keyUpload, otherTokenUpload]) {
      const answer = await call(method, `/v1/uploads/${id}${tail}`, {
        bearer: token,
        ...(method === 'POST' && tail === '/parts'
          ? { body: { parts: [{ partNumber: 1, size: 5242880, sha256: 'a'.repeat(64) }] } }
          : {}),
      });
      expect([id, answer.status]).toEqual([id, 404]);
      expect(answer.body.error.code).toBe('upload_not_found');
    }
    // And both still exist, for their owners.
    expect((await harness.uploads.find(keyUpload))?.state).toBe('pending');
  });

  it.each([
    ['PUT', '/v1/webhook', { url: 'https://hooks.example/x' }],
    ['GET', '/v1/webhook', undefined],
    ['DELETE', '/v1/webhook', undefined],
    ['POST', '/v1/upload-tokens', { siteId: '00000000-0000-4000-8000-000000000000' }],
    ['DELETE', '/v1/upload-tokens/00000000-0000-4000-8000-000000000000', undefined],
  ])('%s %s → 403 forbidden', async (method, path, body) => {
    const answer = await call(method, path, { bearer: token, body });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expectMatchesOpenApi(method, path, 403, answer.body);
  });
});

describe('CORS on /v1', () => {
  const preflight = (origin: string, method = 'POST') =>
    call('OPTIONS', '/v1/uploads', {
      origin,
      headers: {
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('grants a preflight from a site’s allowed origin, without credentials', async () => {
    const answer = await preflight(SHOP);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE');
    expect(answer.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(Number(answer.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(answer.headers.get('vary')).toMatch(/origin/i);
  });

  it('grants nothing to another origin, or for a method a token never uses', async () => {
    for (const answer of [
      await preflight(EVIL),
      await preflight('null'),
      await preflight(SHOP, 'PUT'),
    ]) {
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('answers a token’s request from an allowed origin with a grant, from another with 403 and none', async () => {
    const { token } = await mint();
    const file = uniqueText('cors');
    const allowed = await declare(token, file, {}, SHOP);
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP);
    const refused = await declare(token, file, {}, EVIL);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expectMatchesOpenApi('post', '/v1/uploads', 403, refused.body);
    const read = await call('GET', `/v1/uploads/${allowed.body.uploadId}`, {
      bearer: token,
      origin: ADMIN,
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe(ADMIN);
  });

  it('holds a token to its own origin when it set one', async () => {
    const { token } = await mint(tenant, { origin: ADMIN });
    const file = uniqueText('own origin');
    expect((await declare(token, file, {}, SHOP)).status).toBe(403);
    const ok = await declare(token, file, {}, ADMIN);
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ADMIN);
  });

  it('refuses a token of a site that allows no origin to any browser', async () => {
    const { token } = await mint(other);
    const answer = await declare(token, uniqueText(), {}, SHOP);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never grants CORS to an API-key call, even from an allowed origin', async () => {
    const file = uniqueText('key cors');
    for (const answer of [
      await declare(tenant.apiKey, file, { siteId: tenant.siteId }, SHOP),
      await call('GET', '/v1/webhook', { bearer: tenant.apiKey, origin: SHOP }),
      await call('POST', '/v1/upload-tokens', {
        bearer: tenant.apiKey,
        origin: SHOP,
        body: { siteId: tenant.siteId },
      }),
    ]) {
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('lets a page read a 401 (to mint a new token) from an allowed origin', async () => {
    const answer = await declare('ut_000000000000_' + 'A'.repeat(32), uniqueText(), {}, SHOP);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('access-control-allow-origin')).toBe(SHOP);
  });
});
