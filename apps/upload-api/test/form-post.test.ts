/**
 * Presigned POST for HTML forms (issue 13): the policy pins bucket, key,
 * Content-Type, the exact length and the SHA-256, so the store refuses any
 * other file; what it takes goes through the verifier and scanner to ready.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@airlock/s3';
import { uniqueText, waitForState, type TestFile } from '@airlock/testing';
import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness();
const s3 = createS3Client(harness.config.aws.s3);
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(async () => {
  await harness.stop();
  s3.destroy();
});

type FormUpload = {
  uploadId: string;
  key: string;
  upload: { method: 'POST'; url: string; fields: Record<string, string>; expiresAt: string };
};

async function requestForm(file: TestFile, contentType = 'text/plain'): Promise<FormUpload> {
  const response = await harness.request('POST', '/v1/uploads', {
    apiKey: tenant.apiKey,
    body: {
      siteId: tenant.siteId,
      fileName: 'form.txt',
      contentType,
      size: file.size,
      sha256: file.sha256,
      form: true,
    },
  });
  expect(response.status).toBe(201);
  expectMatchesOpenApi('post', '/v1/uploads', 201, response.body);
  expect(response.body.upload.method).toBe('POST');
  return response.body as FormUpload;
}

/** What a browser sends for `<form method=post enctype=multipart/form-data>`: fields, then the file. */
async function postForm(
  upload: FormUpload['upload'],
  bytes: Buffer,
  options: { fields?: Record<string, string>; type?: string } = {},
) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...options.fields }))
    form.append(name, value);
  form.append('file', new Blob([bytes], { type: options.type ?? 'text/plain' }), 'form.txt');
  const response = await fetch(upload.url, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
}

function policyOf(fields: Record<string, string>) {
  return JSON.parse(Buffer.from(fields['Policy']!, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
}

describe('the presigned form POST', () => {
  it('pins bucket, key, type, exact length and checksum; the right file goes to ready', async () => {
    const file = uniqueText('form post');
    const { uploadId, key, upload } = await requestForm(file);
    expect(upload.method).toBe('POST');
    expect(upload.fields).toMatchObject({
      key,
      'Content-Type': 'text/plain',
      'x-amz-checksum-sha256': Buffer.from(file.sha256, 'hex').toString('base64'),
    });
    const policy = policyOf(upload.fields);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: harness.config.uploads.bucket },
        { key },
        { 'Content-Type': 'text/plain' },
        { 'x-amz-checksum-sha256': upload.fields['x-amz-checksum-sha256'] },
        ['content-length-range', file.size, file.size],
      ]),
    );
    expect(Math.abs(Date.parse(policy.expiration) - Date.parse(upload.expiresAt))).toBeLessThan(
      2000,
    );

    const posted = await postForm(upload, file.bytes);
    expect(posted.status).toBe(204);
    const ready = await waitForState(harness.uploads, uploadId, ['ready'], 60_000);
    expect(ready.upload.detectedContentType).toBe('text/plain');
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: harness.config.uploads.bucket, Key: key }),
    );
    expect(head.ContentLength).toBe(file.size);
    expect(head.ContentType).toBe('text/plain');
  }, 60_000);

  it('refuses other bytes of the same size, another size, another type or key', async () => {
    const file = uniqueText('form refusals');
    const { uploadId, upload } = await requestForm(file);

    const otherBytes = Buffer.from(file.bytes);
    otherBytes[0] = otherBytes[0] === 0x61 ? 0x62 : 0x61;
    const tampered = await postForm(upload, otherBytes);
    expect(tampered.status).toBeGreaterThanOrEqual(400);
    expect(tampered.text).toMatch(/BadDigest/);

    const longer = await postForm(upload, Buffer.concat([file.bytes, Buffer.from('x')]));
    expect([longer.status, /EntityTooLarge/.test(longer.text)]).toEqual([400, true]);
    const shorter = await postForm(upload, file.bytes.subarray(1));
    expect([shorter.status, /EntityTooSmall/.test(shorter.text)]).toEqual([400, true]);

    const others: Record<string, string>[] = [
      { 'Content-Type': 'text/html' },
      { key: upload.fields['key']!.replace(/\.txt$/, '.html') },
      { 'x-amz-checksum-sha256': Buffer.alloc(32).toString('base64') },
      { 'x-amz-meta-note': 'unsigned' },
      { 'Content-Disposition': 'inline' },
    ];
    for (const fields of others) {
      const refused = await postForm(upload, file.bytes, { fields });
      expect([fields, refused.status]).toEqual([fields, 403]);
    }

    // Nothing was taken: the upload still waits for its bytes.
    expect((await harness.uploads.findWithHistory(uploadId))?.upload.state).toBe('pending');
    const posted = await postForm(upload, file.bytes);
    expect(posted.status).toBe(204);
    await waitForState(harness.uploads, uploadId, ['ready'], 60_000);
  }, 60_000);

  it('is refused with multipart: true, and for content whose pending upload is in parts', async () => {
    const file = uniqueText('form and multipart');
    const both = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: {
        siteId: tenant.siteId,
        fileName: 'a.txt',
        contentType: 'text/plain',
        size: 6 * 1024 * 1024,
        sha256: file.sha256,
        form: true,
        multipart: true,
      },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.details.issues).toEqual([
      { path: 'form', message: expect.stringContaining('cannot be combined') },
    ]);

    const big = { size: 6 * 1024 * 1024, sha256: uniqueText('big').sha256 };
    const base = { siteId: tenant.siteId, fileName: 'b.pdf', contentType: 'application/pdf' };
    const parts = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: { ...base, ...big, multipart: true },
    });
    expect(parts.body.upload.method).toBe('MULTIPART');
    const form = await harness.request('POST', '/v1/uploads', {
      apiKey: tenant.apiKey,
      body: { ...base, ...big, form: true },
    });
    expect(form.status).toBe(409);
    expectMatchesOpenApi('post', '/v1/uploads', 409, form.body);
    expect(form.body.error).toMatchObject({
      code: 'upload_method_conflict',
      details: { uploadId: parts.body.uploadId, method: 'MULTIPART' },
    });
  });
});
