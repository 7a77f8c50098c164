import { ApiHarness, uniqueText } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness();
beforeAll(() => harness.start());
afterAll(() => harness.stop());

describe('GET /v1/uploads/:id', () => {
  it("shows the key's own customer state and history, and 404s for anyone else", async () => {
    const [alice, bob] = await Promise.all([harness.tenant(), harness.tenant()]);
    const file = uniqueText();
    const created = await harness.request('POST', '/v1/uploads', {
      apiKey: alice.apiKey,
      body: {
        siteId: alice.siteId,
        fileName: 'report.txt',
        contentType: 'text/plain',
        size: file.size,
        sha256: file.sha256,
      },
    });
    const id = created.body.uploadId as string;

    const mine = await harness.request('GET', `/v1/uploads/${id}`, { apiKey: alice.apiKey });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      uploadId: id,
      state: 'pending',
      reason: null,
      fileName: 'report.txt',
      size: file.size,
      sha256: file.sha256,
      history: [{ from: null, to: 'pending', reason: null }],
    });
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', 200, mine.body);

    const theirs = await harness.request('GET', `/v1/uploads/${id}`, { apiKey: bob.apiKey });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('upload_not_found');
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', 404, theirs.body);

    const missing = await harness.request('GET', '/v1/uploads/not-a-uuid', {
      apiKey: alice.apiKey,
    });
    expect(missing.status).toBe(404);
    expect((await harness.request('GET', `/v1/uploads/${id}`)).status).toBe(401);
  });
});

describe('file names are stored in NFC (issue 12 #9)', () => {
  it('a decomposed name comes back composed, in the API and in the store', async () => {
    const alice = await harness.tenant();
    const file = uniqueText();
    const decomposed = 'Re\u0301sume\u0301 \u1100\u1161.txt'; // e + U+0301, and Hangul jamo
    const composed = 'R\u00e9sum\u00e9 \uac00.txt';
    expect(decomposed.normalize('NFC')).toBe(composed);
    const created = await harness.request('POST', '/v1/uploads', {
      apiKey: alice.apiKey,
      body: {
        siteId: alice.siteId,
        fileName: decomposed,
        contentType: 'text/plain',
        size: file.size,
        sha256: file.sha256,
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.uploadId as string;

    const shown = await harness.request('GET', `/v1/uploads/${id}`, { apiKey: alice.apiKey });
    expect(shown.status).toBe(200);
    expect(shown.body.fileName).toBe(composed);
    const { rows } = await harness.pool.query(
      'SELECT original_name AS "name" FROM uploads WHERE id = $1',
      [id],
    );
    expect(rows[0].name).toBe(composed);
  });
});

describe('health', () => {
  it('healthz answers and readyz checks Postgres and S3', async () => {
    const health = await harness.request('GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await harness.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { postgres: { ok: true }, s3: { ok: true } },
    });
    expectMatchesOpenApi('get', '/readyz', 200, ready.body);
  });

  it('readyz is 503 naming the part that is down', async () => {
    const broken = new ApiHarness({ UPLOADS_BUCKET: 'no-such-bucket' });
    await broken.start();
    try {
      const ready = await broken.request('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.s3.ok).toBe(false);
      expect(ready.body.checks.postgres.ok).toBe(true);
      expectMatchesOpenApi('get', '/readyz', 503, ready.body);
    } finally {
      await broken.stop();
    }
  });

  it('serves its OpenAPI document', async () => {
    const doc = await harness.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\.1\./);
  });
});
