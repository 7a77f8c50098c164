/**
 * Uploads in parts (issue 13) through the API and the local S3 emulator, to
 * `ready` through the stack's verifier and scanner: part URLs signing each
 * part's length and SHA-256, resume from the stored parts, complete checked
 * against the plan, cancel (multipart aborted, upload expired/cancelled,
 * webhook sent), and bytes that arrive after a cancel quarantined.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { PgWebhookEndpoints } from '@airlock/postgres';
import { createS3Client } from '@airlock/s3';
import { fileOf, until, waitForState, type ApiAnswer, type TestFile } from '@airlock/testing';
import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const harness = new ApiHarness({
  MULTIPART_PART_SIZE_BYTES: String(PART),
  MAX_TEXT_BYTES: String(32 * MiB),
});
let s3: S3Client;
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  s3 = createS3Client(harness.config.aws.s3);
  tenant = await harness.tenant();
});
afterAll(async () => {
  await harness.stop();
  s3.destroy();
});

/** Text (hex digits and newlines) of exactly `size` bytes, unique per call. */
function textOf(size: number): TestFile {
  const bytes = Buffer.from(
    randomBytes(Math.ceil(size / 2))
      .toString('hex')
      .slice(0, size),
  );
  for (let i = 80; i < size; i += 81) bytes[i] = 0x0a;
  return fileOf(bytes);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

type Plan = { uploadId: string; key: string; partSize: number; partCount: number };

async function startMultipart(file: TestFile, who = tenant): Promise<Plan> {
  const response = await harness.request('POST', '/v1/uploads', {
    apiKey: who.apiKey,
    body: {
      siteId: who.siteId,
      fileName: 'big.txt',
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
      multipart: true,
    },
  });
  expect(response.status).toBe(201);
  expectMatchesOpenApi('post', '/v1/uploads', 201, response.body);
  expect(response.body.upload.method).toBe('MULTIPART');
  return {
    uploadId: response.body.uploadId,
    key: response.body.key,
    partSize: response.body.upload.partSize,
    partCount: response.body.upload.partCount,
  };
}

const partBytes = (file: TestFile, plan: Plan, n: number) =>
  file.bytes.subarray((n - 1) * plan.partSize, Math.min(file.size, n * plan.partSize));

type SignedPart = { partNumber: number; url: string; headers: Record<string, string> };

async function signParts(file: TestFile, plan: Plan, numbers: number[]): Promise<SignedPart[]> {
  const response = await harness.request('POST', `/v1/uploads/${plan.uploadId}/parts`, {
    apiKey: tenant.apiKey,
    body: {
      parts: numbers.map((n) => {
        const bytes = partBytes(file, plan, n);
        return { partNumber: n, size: bytes.length, sha256: sha256(bytes) };
      }),
    },
  });
  expect(response.status).toBe(200);
  expectMatchesOpenApi('post', '/v1/uploads/{uploadId}/parts', 200, response.body);
  return response.body.parts;
}

const putPart = async (part: SignedPart, body: Buffer, headers = part.headers) => {
  const response = await fetch(part.url, { method: 'PUT', headers, body });
  return { status: response.status, text: await response.text() };
};

async function storedParts(plan: Plan) {
  const response = await harness.request('GET', `/v1/uploads/${plan.uploadId}/parts`, {
    apiKey: tenant.apiKey,
  });
  expect(response.status).toBe(200);
  expectMatchesOpenApi('get', '/v1/uploads/{uploadId}/parts', 200, response.body);
  return response.body as {
    parts: { partNumber: number; size: number; etag: string }[];
    partSize: number;
    partCount: number;
  };
}

const complete = (plan: Plan) =>
  harness.request('POST', `/v1/uploads/${plan.uploadId}/complete`, { apiKey: tenant.apiKey });

const openUploadsFor = async (key: string) =>
  (
    await s3.send(
      new ListMultipartUploadsCommand({ Bucket: harness.config.uploads.bucket, Prefix: key }),
    )
  ).Uploads ?? [];

describe('an upload in parts', () => {
  it('goes through signed parts sent in parallel, a resume listing and complete, to ready', async () => {
    const file = textOf(20 * MiB + 1234);
    const plan = await startMultipart(file);
    expect(plan).toMatchObject({ partSize: PART, partCount: 5 });

    // The same request again (a reloaded client): the same upload and plan.
    const again = await startMultipart(file);
    expect(again).toEqual(plan);

    const parts = await signParts(file, plan, [1, 2, 3, 4, 5]);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4, 5]);
    const signed = new URL(parts[0]!.url).searchParams.get('X-Amz-SignedHeaders')!.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-length', 'x-amz-checksum-sha256']));
    // The checksum alone: the part's length is signed, and fetch sends it itself.
    expect(parts[4]!.headers).toEqual({
      'x-amz-checksum-sha256': Buffer.from(sha256(partBytes(file, plan, 5)), 'hex').toString(
        'base64',
      ),
    });

    // Four of five in parallel; then the client "reloads" and resumes from the list.
    const sent = await Promise.all(
      parts.slice(0, 4).map((part) => putPart(part, partBytes(file, plan, part.partNumber))),
    );
    expect(sent.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const listed = await storedParts(plan);
    expect(listed).toMatchObject({ partSize: PART, partCount: 5 });
    expect(listed.parts.map((p) => [p.partNumber, p.size])).toEqual([
      [1, PART],
      [2, PART],
      [3, PART],
      [4, PART],
    ]);
    expect(listed.parts.every((p) => p.etag.length > 0)).toBe(true);

    // Complete too early: the missing number is named.
    const early = await complete(plan);
    expect(early.status).toBe(409);
    expectMatchesOpenApi('post', '/v1/uploads/{uploadId}/complete', 409, early.body);
    expect(early.body.error).toMatchObject({ code: 'parts_missing', details: { missing: [5] } });

    // A part URL can be asked for again (its old one may have expired).
    const [fresh] = await signParts(file, plan, [5]);
    expect((await putPart(fresh!, partBytes(file, plan, 5))).status).toBe(200);

    const done = await complete(plan);
    expect(done.status).toBe(200);
    expectMatchesOpenApi('post', '/v1/uploads/{uploadId}/complete', 200, done.body);
    expect(done.body.uploadId).toBe(plan.uploadId);
    expect(await openUploadsFor(plan.key)).toEqual([]);

    // Asked again: the same answer, never a 500.
    const repeated = await complete(plan);
    expect(repeated.status).toBe(200);
    expect(repeated.body.uploadId).toBe(plan.uploadId);

    const ready = await waitForState(harness.uploads, plan.uploadId, ['ready'], 60_000);
    expect(ready.upload).toMatchObject({
      declaredSize: file.size,
      detectedContentType: 'text/plain',
    });
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: harness.config.uploads.bucket, Key: plan.key }),
    );
    expect(head.ContentLength).toBe(file.size);
    expect(head.ContentType).toBe('text/plain');
    expect(head.Metadata).toEqual({});
    expect((await complete(plan)).body).toEqual({ uploadId: plan.uploadId, state: 'ready' });
  }, 90_000);

  it('refuses a part of other bytes or another length than signed, and parts off the plan', async () => {
    const file = textOf(11 * MiB);
    const plan = await startMultipart(file);
    expect(plan.partCount).toBe(3);
    const [one] = await signParts(file, plan, [1]);
    const right = partBytes(file, plan, 1);

    const otherBytes = Buffer.from(right);
    otherBytes[12345] = otherBytes[12345] === 0x61 ? 0x62 : 0x61;
    const tampered = await putPart(one!, otherBytes);
    expect(tampered.status).toBeGreaterThanOrEqual(400);
    expect(tampered.text).toMatch(/BadDigest/);

    const shorter = right.subarray(0, right.length - 1);
    const short = await putPart(one!, shorter);
    expect(short.status).toBe(403);
    // Nothing stored for part 1.
    expect((await storedParts(plan)).parts).toEqual([]);

    // Numbers outside 1..partCount, repeats and sizes off the plan: 400 with the issues.
    const bad = await harness.request('POST', `/v1/uploads/${plan.uploadId}/parts`, {
      apiKey: tenant.apiKey,
      body: {
        parts: [
          { partNumber: 4, size: PART, sha256: file.sha256 },
          { partNumber: 1, size: PART, sha256: file.sha256 },
          { partNumber: 1, size: PART, sha256: file.sha256 },
          { partNumber: 3, size: PART, sha256: file.sha256 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expectMatchesOpenApi('post', '/v1/uploads/{uploadId}/parts', 400, bad.body);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual([
      'parts.0.partNumber',
      'parts.2.partNumber',
      'parts.3.size',
    ]);
    const tooMany = await harness.request('POST', `/v1/uploads/${plan.uploadId}/parts`, {
      apiKey: tenant.apiKey,
      body: {
        parts: Array.from({ length: 101 }, () => ({
          partNumber: 1,
          size: PART,
          sha256: file.sha256,
        })),
      },
    });
    expect(tooMany.status).toBe(400);

    // The right bytes still go in.
    expect((await putPart(one!, right)).status).toBe(200);
    const missing = await complete(plan);
    expect(missing.status).toBe(409);
    expect(missing.body.error).toMatchObject({
      code: 'parts_missing',
      details: { missing: [2, 3] },
    });
  });

  it('answers 404 for another customer, 409 for an upload sent in one request, 400 for bad requests', async () => {
    const file = textOf(6 * MiB);
    const plan = await startMultipart(file);
    const other = await harness.tenant();
    for (const [method, path] of [
      ['GET', `/v1/uploads/${plan.uploadId}/parts`],
      ['POST', `/v1/uploads/${plan.uploadId}/complete`],
      ['DELETE', `/v1/uploads/${plan.uploadId}`],
    ] as const) {
      const response = await harness.request(method, path, { apiKey: other.apiKey });
      expect([path, response.status, response.body.error.code]).toEqual([
        path,
        404,
        'upload_not_found',
      ]);
    }
    const foreign = await harness.request('POST', `/v1/uploads/${plan.uploadId}/parts`, {
      apiKey: other.apiKey,
      body: { parts: [{ partNumber: 1, size: PART, sha256: file.sha256 }] },
    });
    expect(foreign.status).toBe(404);

    const small = textOf(1000);
    const base = { siteId: tenant.siteId, fileName: 'a.txt', contentType: 'text/plain' };
    const single = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: { ...base, size: small.size, sha256: small.sha256 },
    });
    expect(single.body.upload.method).toBe('PUT');
    const notParts = await harness.request('GET', `/v1/uploads/${single.body.uploadId}/parts`, {
      apiKey: tenant.apiKey,
    });
    expect([notParts.status, notParts.body.error.code]).toEqual([409, 'upload_not_multipart']);
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}/parts', 409, notParts.body);

    for (const body of [
      { ...base, size: small.size, sha256: small.sha256, multipart: true },
      { ...base, size: file.size, sha256: file.sha256, multipart: true, form: true },
    ]) {
      const refused = await harness.request('POST', '/v1/uploads', { apiKey: tenant.apiKey, body });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.issues).toHaveLength(1);
    }
  });
});

describe('bodies and paths of the new operations', () => {
  it('parses JSON only for the parts request; complete ignores a body; undecodable ids are 404', async () => {
    const file = textOf(6 * MiB);
    const plan = await startMultipart(file);
    const send = (method: string, path: string, body: string, headers: Record<string, string>) =>
      fetch(`${harness.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${tenant.apiKey}`, ...headers },
        body,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as ApiAnswer }));

    const malformed = await send('POST', `/v1/uploads/${plan.uploadId}/parts`, '{"parts": [', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.issues.length).toBeGreaterThan(0);

    // complete takes no body: a corrupt gzip one is not even read.
    const ignored = await send('POST', `/v1/uploads/${plan.uploadId}/complete`, 'not gzip', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect([ignored.status, ignored.body.error.code]).toEqual([409, 'parts_missing']);

    for (const path of ['/v1/uploads/%ZZ/parts', '/v1/uploads/%C0%AF/complete']) {
      const response = await send('POST', path, '{}', { 'content-type': 'application/json' });
      expect([path, response.status, response.body.error.code]).toEqual([
        path,
        404,
        'upload_not_found',
      ]);
    }
  });
});

describe('cancelling an upload', () => {
  it('aborts the parts in S3, expires the upload as cancelled and sends the upload.expired webhook', async () => {
    const calls: { body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls.push({ body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const owner = await harness.tenant();
      const port = (receiver.address() as AddressInfo).port;
      await new PgWebhookEndpoints({ pool: harness.pool }).put(
        owner.customerId,
        `http://127.0.0.1:${port}/hooks`,
        'whsec_c2VjcmV0c2VjcmV0',
        false,
      );
      const file = textOf(6 * MiB);
      const previous = tenant;
      tenant = owner;
      try {
        const plan = await startMultipart(file, owner);
        const [one] = await signParts(file, plan, [1]);
        expect((await putPart(one!, partBytes(file, plan, 1))).status).toBe(200);
        expect(await openUploadsFor(plan.key)).toHaveLength(1);

        const cancelled = await harness.request('DELETE', `/v1/uploads/${plan.uploadId}`, {
          apiKey: owner.apiKey,
        });
        expect(cancelled.status).toBe(200);
        expectMatchesOpenApi('delete', '/v1/uploads/{uploadId}', 200, cancelled.body);
        expect(cancelled.body).toEqual({
          uploadId: plan.uploadId,
          state: 'expired',
          reason: 'cancelled',
        });
        expect(await openUploadsFor(plan.key)).toEqual([]);
        const found = await harness.uploads.findWithHistory(plan.uploadId);
        expect(found?.history.at(-1)).toMatchObject({
          fromState: 'pending',
          toState: 'expired',
          reason: 'cancelled',
          actor: expect.stringMatching(/^api-key:/),
        });

        const call = await until('the upload.expired webhook', async () =>
          calls.find((c) => c.body.includes(plan.uploadId)),
        );
        expect(JSON.parse(call.body)).toMatchObject({
          type: 'upload.expired',
          data: { uploadId: plan.uploadId, state: 'expired', reason: 'cancelled' },
        });

        // Not pending any more: cancel, parts and complete are 409.
        for (const [method, path] of [
          ['DELETE', `/v1/uploads/${plan.uploadId}`],
          ['GET', `/v1/uploads/${plan.uploadId}/parts`],
          ['POST', `/v1/uploads/${plan.uploadId}/complete`],
        ] as const) {
          const response = await harness.request(method, path, { apiKey: owner.apiKey });
          expect([path, response.status, response.body.error]).toEqual([
            path,
            409,
            expect.objectContaining({ code: 'upload_not_pending', details: { state: 'expired' } }),
          ]);
        }
        // The same content can be asked for afresh: a new upload.
        const fresh = await startMultipart(file, owner);
        expect(fresh.uploadId).not.toBe(plan.uploadId);
      } finally {
        tenant = previous;
      }
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 60_000);

  it('bytes PUT after a cancel are never taken: the verifier moves them to quarantine', async () => {
    const file = textOf(2000);
    const created = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: {
        siteId: tenant.siteId,
        fileName: 'late.txt',
        contentType: 'text/plain',
        size: file.size,
        sha256: file.sha256,
      },
    });
    expect(created.status).toBe(201);
    const { uploadId, key, upload } = created.body;
    const cancelled = await harness.request('DELETE', `/v1/uploads/${uploadId}`, {
      apiKey: tenant.apiKey,
    });
    expect(cancelled.body).toEqual({ uploadId, state: 'expired', reason: 'cancelled' });

    // The URL handed out before still signs a valid PUT: S3 takes it…
    const put = await fetch(upload.url, {
      method: 'PUT',
      headers: upload.headers,
      body: file.bytes,
    });
    expect(put.status).toBe(200);
    // …and the verifier moves it out of the uploads bucket, the upload left expired.
    const quarantined = {
      Bucket: process.env.QUARANTINE_BUCKET ?? 'quarantine',
      Key: `${uploadId}/${key}`,
    };
    await until('the object in quarantine', async () =>
      s3.send(new HeadObjectCommand(quarantined)).then(
        () => true,
        () => undefined,
      ),
    );
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: harness.config.uploads.bucket, Key: key })),
    ).rejects.toMatchObject({ name: 'NotFound' });
    const after = await harness.uploads.findWithHistory(uploadId);
    expect(after?.upload).toMatchObject({ state: 'expired', reason: 'cancelled' });
  }, 60_000);
});
