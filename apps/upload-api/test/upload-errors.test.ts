import { ApiHarness, uniqueText, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness({ RATE_LIMIT_PER_MINUTE: '1000', MAX_TEXT_BYTES: '1024' });
let tenant: Tenant;
let other: Tenant;

beforeAll(async () => {
  await harness.start();
  [tenant, other] = await Promise.all([harness.tenant(), harness.tenant()]);
});
afterAll(() => harness.stop());

const validBody = (overrides: Record<string, unknown> = {}) => {
  const file = uniqueText();
  return {
    siteId: tenant.siteId,
    fileName: 'a.txt',
    contentType: 'text/plain',
    size: file.size,
    sha256: file.sha256,
    ...overrides,
  };
};

async function expectError(
  response: Awaited<ReturnType<ApiHarness['request']>>,
  status: number,
  code: string,
  path = '/v1/uploads',
  method = 'post',
) {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(typeof response.body.error.message).toBe('string');
  expectMatchesOpenApi(method, path, status, response.body);
}

describe('POST /v1/uploads errors', () => {
  it('401 unauthorized without a key, with a malformed key, or an unknown one', async () => {
    await expectError(
      await harness.request('POST', '/v1/uploads', { body: validBody() }),
      401,
      'unauthorized',
    );
    await expectError(
      await harness.request('POST', '/v1/uploads', { apiKey: 'nope', body: validBody() }),
      401,
      'unauthorized',
    );
    const forged = `${tenant.apiKey.slice(0, -4)}AAAA`;
    await expectError(
      await harness.request('POST', '/v1/uploads', { apiKey: forged, body: validBody() }),
      401,
      'unauthorized',
    );
  });

  it('401 unauthorized once the key is revoked', async () => {
    const victim = await harness.tenant();
    const before = await harness.request('POST', '/v1/uploads', {
      apiKey: victim.apiKey,
      body: validBody({ siteId: victim.siteId }),
    });
    expect(before.status).toBe(201);
    expect(await harness.tenants.revokeKey(victim.apiKey.split('_')[1]!)).toBe(true);
    const after = await harness.request('POST', '/v1/uploads', {
      apiKey: victim.apiKey,
      body: validBody({ siteId: victim.siteId }),
    });
    await expectError(after, 401, 'unauthorized');
  });

  it.each([
    ['a missing field', { sha256: undefined }],
    ['a bad hash', { sha256: 'abc' }],
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['a path in the file name', { fileName: '../etc/passwd' }],
    ['a backslash in the file name', { fileName: 'a\\b.txt' }],
    ['a non-uuid site', { siteId: '42' }],
    ['an unknown field', { bucket: 'other' }],
  ])('400 invalid_request for %s', async (_label, overrides) => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody(overrides),
    });
    await expectError(response, 400, 'invalid_request');
    expect(response.body.error.details.issues.length).toBeGreaterThan(0);
  });

  it('400 invalid_request for a body that is not JSON', async () => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      rawBody: '{"siteId":',
    });
    await expectError(response, 400, 'invalid_request');
  });

  it('404 site_not_found for the site of another customer, exactly like a missing site', async () => {
    const missingId = '00000000-0000-4000-8000-000000000000';
    const foreign = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ siteId: other.siteId }),
    });
    const missing = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ siteId: missingId }),
    });
    await expectError(foreign, 404, 'site_not_found');
    await expectError(missing, 404, 'site_not_found');
    // Same status, same body but for the id the caller sent itself.
    expect(foreign.body).toEqual(
      JSON.parse(JSON.stringify(missing.body).replaceAll(missingId, other.siteId)),
    );
    expect(Object.keys(foreign.body.error).sort()).toEqual(['code', 'message']);
    const { rows } = await harness.pool.query(
      'SELECT count(*)::int AS n FROM uploads WHERE site_id = $1',
      [other.siteId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('403 forbidden for another customerId in the body', async () => {
    await expectError(
      await harness.request('POST', '/v1/uploads', {
        apiKey: tenant.apiKey,
        body: validBody({ customerId: other.customerId }),
      }),
      403,
      'forbidden',
    );
  });

  it('404 site_not_found for a site that does not exist', async () => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ siteId: '00000000-0000-4000-8000-000000000000' }),
    });
    await expectError(response, 404, 'site_not_found');
  });

  it('413 file_too_large above the category limit, before any URL is made', async () => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ size: 1025 }),
    });
    await expectError(response, 413, 'file_too_large');
    expect(response.body.error.details).toEqual({ limit: 1024, category: 'text' });
  });

  it('415 unsupported_type for a type outside the allow-list, whatever the file name says', async () => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ contentType: 'application/x-msdownload', fileName: 'holiday.jpg' }),
    });
    await expectError(response, 415, 'unsupported_type');
    expect(response.body.error.details.allowed).toContain('image/jpeg');
  });

  it('404 not_found for an unknown route', async () => {
    const response = await harness.request('GET', '/v2/nothing', { apiKey: tenant.apiKey });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});

describe('rate limit', () => {
  const limited = new ApiHarness({ RATE_LIMIT_PER_MINUTE: '3' });
  beforeAll(() => limited.start());
  afterAll(() => limited.stop());

  it('429 rate_limited per key once the key spends its budget, with Retry-After', async () => {
    const busy = await limited.tenant();
    const calm = await limited.tenant();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<ApiHarness['request']>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await limited.request('POST', '/v1/uploads', {
        apiKey: busy.apiKey,
        body: validBody({ siteId: busy.siteId }),
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    await expectError(last!, 429, 'rate_limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);

    const other = await limited.request('POST', '/v1/uploads', {
      apiKey: calm.apiKey,
      body: validBody({ siteId: calm.siteId }),
    });
    expect(other.status).toBe(201);
  });
});

describe('file names (issue 12 #9)', () => {
  it.each([
    ['a right-to-left override', 'invoice\u202Efdp.exe', 'U+202E (format character)'],
    ['a left-to-right isolate', 'a\u2066b.txt', 'U+2066 (format character)'],
    ['a zero-width space', 'a\u200Bb.txt', 'U+200B (format character)'],
    ['a zero-width joiner', 'a\u200Db.txt', 'U+200D (format character)'],
    ['a byte-order mark', '\uFEFFa.txt', 'U+FEFF (format character)'],
    ['NEL (U+0085)', 'a\u0085b.txt', 'U+0085 (control character)'],
    ['a newline', 'a\nb.txt', 'U+000A (control character)'],
    ['NUL', 'a\u0000b.txt', 'U+0000 (control character)'],
    ['LINE SEPARATOR', 'a\u2028b.txt', 'U+2028 (line or paragraph separator)'],
    ['PARAGRAPH SEPARATOR', 'a\u2029b.txt', 'U+2029 (line or paragraph separator)'],
    ['a lone high surrogate', 'a\uD800b.txt', 'a lone surrogate'],
    ['a lone low surrogate', 'a\uDFFFb.txt', 'a lone surrogate'],
    ['a slash', 'a/b.txt', 'U+002F (path separator)'],
    ['a backslash', 'a\\b.txt', 'U+005C (path separator)'],
  ])('400 invalid_request for %s', async (_label, fileName, what) => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ fileName }),
    });
    await expectError(response, 400, 'invalid_request');
    expect(response.body.error.details.issues).toEqual([
      { path: 'fileName', message: `must not contain ${what}` },
    ]);
  });

  it.each([
    ['.', '.', 'must not be only dots (such as . or ..)'],
    ['..', '..', 'must not be only dots (such as . or ..)'],
    ['an empty name', '', 'must have a visible character'],
    ['spaces only', '   ', 'must have a visible character'],
    ['wide spaces only', '\u00A0\u3000', 'must have a visible character'],
    ['255 emoji (1,020 bytes)', '😀'.repeat(255), 'must be at most 255 UTF-8 bytes, is 1020'],
    ['256 ASCII bytes', 'a'.repeat(256), 'must be at most 255 UTF-8 bytes, is 256'],
  ])('400 invalid_request for %s', async (_label, fileName, message) => {
    const response = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ fileName }),
    });
    await expectError(response, 400, 'invalid_request');
    expect(response.body.error.details.issues).toEqual([{ path: 'fileName', message }]);
  });

  it('a refused name creates no upload', async () => {
    const body = validBody({ fileName: 'invoice\u202Efdp.exe' });
    const response = await harness.request('POST', '/v1/uploads', { apiKey: tenant.apiKey, body });
    expect(response.status).toBe(400);
    const { rows } = await harness.pool.query(
      'SELECT count(*)::int AS n FROM uploads WHERE declared_sha256 = $1',
      [body.sha256],
    );
    expect(rows[0].n).toBe(0);
  });

  it('accepts 62 emoji and an extension: 252 UTF-8 bytes', async () => {
    const ok = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: validBody({ fileName: `${'😀'.repeat(62)}.txt` }),
    });
    expect(ok.status).toBe(201);
  });
});
