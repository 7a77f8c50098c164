/**
 * What a browser page meets when it sends a file straight to the store
 * (issue 14): the uploads bucket's CORS rule on the local stack (the rule
 * infra/ deploys, loopback origins by default, AIRLOCK_DEV_CORS_ORIGINS) and
 * answers a browser can follow as they are. Raw HTTP, as a browser sends it:
 * a preflight `OPTIONS` with `Origin` and `Access-Control-Request-*`, then
 * the request with `Origin`, setting only the returned headers (the length
 * comes from the body, as a browser computes it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { fileOf, uniqueText, type TestFile } from '@airlock/testing';
import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const MiB = 1024 * 1024;
/** A page served locally: admitted by the stack's default origins (`http://localhost:*`). */
const PAGE = 'http://localhost:5173';
const OTHER = 'https://evil.example';

const harness = new ApiHarness({
  MULTIPART_PART_SIZE_BYTES: String(5 * MiB),
  MAX_TEXT_BYTES: String(16 * MiB),
});
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(() => harness.stop());

async function createUpload(file: TestFile, options: Record<string, unknown> = {}) {
  const response = await harness.request('POST', '/v1/uploads', {
    apiKey: tenant.apiKey,
    body: {
      siteId: tenant.siteId,
      fileName: 'page.txt',
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
      ...options,
    },
  });
  expect(response.status).toBe(201);
  expectMatchesOpenApi('post', '/v1/uploads', 201, response.body);
  return response.body;
}

/** Text of exactly `size` bytes, unique per call. */
const textOf = (size: number) =>
  fileOf(
    Buffer.from(
      randomBytes(Math.ceil(size / 2))
        .toString('hex')
        .slice(0, size),
    ),
  );

const cors = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

/** A browser's preflight: the method, and the non-safelisted headers it will set, lower-case. */
async function preflight(url: string, origin: string, method: string, headers: string[]) {
  const response = await fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      ...(headers.length ? { 'Access-Control-Request-Headers': headers.join(',') } : {}),
    },
  });
  return { status: response.status, cors: cors(response), text: await response.text() };
}

/** What a page is granted: the headers the store's answer must carry. */
const granted = (origin: string) => ({
  'access-control-allow-origin': origin,
  'access-control-allow-methods': 'PUT, POST',
  'access-control-expose-headers': 'ETag',
  'access-control-max-age': '3600',
  'access-control-allow-credentials': 'true',
});

/** The names a browser lists in Access-Control-Request-Headers for these headers. */
const requestHeaderNames = (headers: Record<string, string>) =>
  Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();

describe('a browser page sending a file to the uploads bucket (single PUT)', () => {
  it('is let through the preflight for exactly the headers it was handed, and reads the ETag', async () => {
    const file = uniqueText('browser put');
    const { upload } = await createUpload(file, { contentType: 'text/plain' });
    // Headers a browser may set: no Content-Length ("Refused to set unsafe header").
    expect(requestHeaderNames(upload.headers)).toEqual(['content-type', 'x-amz-checksum-sha256']);

    const allowed = await preflight(upload.url, PAGE, 'PUT', requestHeaderNames(upload.headers));
    expect(allowed).toMatchObject({
      status: 200,
      cors: {
        ...granted(PAGE),
        'access-control-allow-headers': 'content-type, x-amz-checksum-sha256',
      },
    });

    // Another length from the page: refused, and the page can read why.
    const short = await fetch(upload.url, {
      method: 'PUT',
      headers: { Origin: PAGE, ...upload.headers },
      body: file.bytes.subarray(1),
    });
    expect([short.status, cors(short)]).toEqual([403, granted(PAGE)]);
    expect(await short.text()).toMatch(/SignatureDoesNotMatch/);

    // The returned headers and the body; fetch sends Content-Length itself.
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { Origin: PAGE, ...upload.headers },
      body: file.bytes,
    });
    await put.arrayBuffer();
    expect([put.status, cors(put)]).toEqual([200, granted(PAGE)]);
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('grants nothing to another origin, nor a header nobody signed, nor other methods', async () => {
    const file = uniqueText('browser refused');
    const { upload } = await createUpload(file);
    const headers = requestHeaderNames(upload.headers);

    const other = await preflight(upload.url, OTHER, 'PUT', headers);
    expect([other.status, other.cors]).toEqual([403, {}]);
    expect(other.text).toMatch(/CORSResponse/);
    for (const extra of ['content-length', 'x-amz-meta-owner']) {
      const refused = await preflight(upload.url, PAGE, 'PUT', [...headers, extra]);
      expect([extra, refused.status, refused.cors]).toEqual([extra, 403, {}]);
    }
    for (const method of ['GET', 'DELETE']) {
      const refused = await preflight(upload.url, PAGE, method, []);
      expect([method, refused.status]).toEqual([method, 403]);
    }

    // The request itself from another origin: no grant (S3 answers; the browser hides it).
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: { Origin: OTHER, ...upload.headers },
      body: file.bytes.subarray(1),
    });
    await put.arrayBuffer();
    expect([put.status, cors(put)]).toEqual([403, {}]);
  });
});

describe('a browser page sending a file in parts (UploadPart)', () => {
  it('puts a part with its one header, reads its ETag, and another origin gets no grant', async () => {
    const file = textOf(5 * MiB + 100);
    const created = await createUpload(file, { multipart: true });
    expect(created.upload).toMatchObject({ method: 'MULTIPART', partCount: 2 });
    try {
      const bytes = file.bytes.subarray(0, 5 * MiB);
      const signed = await harness.request('POST', `/v1/uploads/${created.uploadId}/parts`, {
        apiKey: tenant.apiKey,
        body: {
          parts: [
            {
              partNumber: 1,
              size: bytes.length,
              sha256: createHash('sha256').update(bytes).digest('hex'),
            },
          ],
        },
      });
      expect(signed.status).toBe(200);
      expectMatchesOpenApi('post', '/v1/uploads/{uploadId}/parts', 200, signed.body);
      const part = signed.body.parts[0] as { url: string; headers: Record<string, string> };
      expect(requestHeaderNames(part.headers)).toEqual(['x-amz-checksum-sha256']);

      const allowed = await preflight(part.url, PAGE, 'PUT', requestHeaderNames(part.headers));
      expect(allowed).toMatchObject({
        status: 200,
        cors: { ...granted(PAGE), 'access-control-allow-headers': 'x-amz-checksum-sha256' },
      });
      const other = await preflight(part.url, OTHER, 'PUT', requestHeaderNames(part.headers));
      expect([other.status, other.cors]).toEqual([403, {}]);

      const longer = await fetch(part.url, {
        method: 'PUT',
        headers: { Origin: PAGE, ...part.headers },
        body: Buffer.concat([bytes, Buffer.from('x')]),
      });
      expect([longer.status, cors(longer)]).toEqual([403, granted(PAGE)]);
      await longer.arrayBuffer();

      const put = await fetch(part.url, {
        method: 'PUT',
        headers: { Origin: PAGE, ...part.headers },
        body: bytes,
      });
      await put.arrayBuffer();
      expect([put.status, cors(put)]).toEqual([200, granted(PAGE)]);
      const etag = put.headers.get('etag');
      expect(etag).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);

      const listed = await harness.request('GET', `/v1/uploads/${created.uploadId}/parts`, {
        apiKey: tenant.apiKey,
      });
      expect(listed.body.parts).toEqual([{ partNumber: 1, size: bytes.length, etag }]);
    } finally {
      // Leaves no parts behind in the shared bucket.
      const cancelled = await harness.request('DELETE', `/v1/uploads/${created.uploadId}`, {
        apiKey: tenant.apiKey,
      });
      expect(cancelled.status).toBe(200);
    }
  });
});

describe('a browser page posting a form (presigned POST)', () => {
  const formOf = (fields: Record<string, string>, bytes: Buffer) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([bytes], { type: 'text/plain' }), 'page.txt');
    return form;
  };

  it('is let through for POST (a form needs no request headers) and granted on the answer', async () => {
    const file = uniqueText('browser form');
    const { upload } = await createUpload(file, { form: true });
    expect(upload.method).toBe('POST');

    const allowed = await preflight(upload.url, PAGE, 'POST', []);
    expect(allowed).toMatchObject({ status: 200, cors: granted(PAGE) });
    const other = await preflight(upload.url, OTHER, 'POST', []);
    expect([other.status, other.cors]).toEqual([403, {}]);

    const refusedElsewhere = await fetch(upload.url, {
      method: 'POST',
      headers: { Origin: OTHER },
      body: formOf(upload.fields, file.bytes.subarray(1)),
    });
    expect([refusedElsewhere.status, cors(refusedElsewhere)]).toEqual([400, {}]);
    await refusedElsewhere.arrayBuffer();

    const posted = await fetch(upload.url, {
      method: 'POST',
      headers: { Origin: PAGE },
      body: formOf(upload.fields, file.bytes),
    });
    await posted.arrayBuffer();
    expect([posted.status, cors(posted)]).toEqual([204, granted(PAGE)]);
    expect(posted.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });
});

describe('buckets without a CORS rule', () => {
  it('answer every preflight 403: quarantine and processed are never reached from a page', async () => {
    const endpoint = process.env.S3_ENDPOINT!;
    for (const bucket of [process.env.QUARANTINE_BUCKET!, process.env.PROCESSED_BUCKET!]) {
      const refused = await preflight(`${endpoint}/${bucket}/some/key`, PAGE, 'PUT', []);
      expect([bucket, refused.status, refused.cors]).toEqual([bucket, 403, {}]);
      expect(refused.text).toMatch(/CORS is not enabled for this bucket/);
    }
  });
});

describe('answers a page can follow as they are', () => {
  // The sandbox bucket: its events reach no verifier, so a completed upload stays in progress.
  const sandbox = new ApiHarness({
    UPLOADS_BUCKET: process.env.SANDBOX_BUCKET!,
    MULTIPART_PART_SIZE_BYTES: String(5 * MiB),
    MAX_TEXT_BYTES: String(16 * MiB),
  });
  let owner: Tenant;
  beforeAll(async () => {
    await sandbox.start();
    owner = await sandbox.tenant();
  });
  afterAll(() => sandbox.stop());

  it('409 upload_in_progress names the upload and says when to poll, wherever it is answered', async () => {
    const file = textOf(5 * MiB);
    const body = {
      siteId: owner.siteId,
      fileName: 'one-part.txt',
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
      multipart: true,
    };
    const created = await sandbox.request('POST', '/v1/uploads', { apiKey: owner.apiKey, body });
    expect([created.status, created.body.upload.partCount]).toEqual([201, 1]);
    const { uploadId } = created.body;
    const signed = await sandbox.request('POST', `/v1/uploads/${uploadId}/parts`, {
      apiKey: owner.apiKey,
      body: { parts: [{ partNumber: 1, size: file.size, sha256: file.sha256 }] },
    });
    const part = signed.body.parts[0]!;
    const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: file.bytes });
    expect(put.status).toBe(200);
    const completed = await sandbox.request('POST', `/v1/uploads/${uploadId}/complete`, {
      apiKey: owner.apiKey,
    });
    expect(completed.body).toEqual({ uploadId, state: 'pending' });

    const answers = {
      again: await sandbox.request('POST', '/v1/uploads', { apiKey: owner.apiKey, body }),
      parts: await sandbox.request('POST', `/v1/uploads/${uploadId}/parts`, {
        apiKey: owner.apiKey,
        body: { parts: [{ partNumber: 1, size: file.size, sha256: file.sha256 }] },
      }),
      listed: await sandbox.request('GET', `/v1/uploads/${uploadId}/parts`, {
        apiKey: owner.apiKey,
      }),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, answer.status, answer.headers.get('retry-after'), answer.body.error]).toEqual([
        name,
        409,
        '2',
        expect.objectContaining({ code: 'upload_in_progress', details: { uploadId } }),
      ]);
    }
    expectMatchesOpenApi('post', '/v1/uploads', 409, answers.again.body);
    expectMatchesOpenApi('post', '/v1/uploads/{uploadId}/parts', 409, answers.parts.body);
    // Polling is what the answer asks for, and it works.
    const polled = await sandbox.request('GET', `/v1/uploads/${uploadId}`, {
      apiKey: owner.apiKey,
    });
    expect([polled.status, polled.body.state]).toEqual([200, 'pending']);
  });
});
