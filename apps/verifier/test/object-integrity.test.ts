import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { PresignedRequest } from '@airlock/core';
import { S3UploadUrlSigner } from '@airlock/s3';
import {
  putPresigned,
  StackClients,
  uniqueText,
  until,
  waitForState,
  type Tenant,
  type TestFile,
} from '@airlock/testing';

// Issue 12, findings 4, 5 and 14, through the stack's own processes:
// API → S3 emulator → SQS → verifier (→ scanner) → Postgres.
const stack = new StackClients();
const { s3 } = stack;
const uploadsBucket = stack.config.uploads.bucket;
const quarantineBucket = process.env.QUARANTINE_BUCKET!;
const sandbox = process.env.SANDBOX_BUCKET!;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

const existsIn = (bucket: string, key: string) => stack.objectExists(bucket, key);

/** The rejection is recorded before the object moves: wait for the move. */
const quarantined = (uploadId: string, key: string) =>
  until('the object moved to quarantine', async () =>
    !(await existsIn(uploadsBucket, key)) &&
    (await existsIn(quarantineBucket, `${uploadId}/${key}`))
      ? true
      : undefined,
  );

const requested = (file: TestFile, as: Tenant = tenant) =>
  stack.createUpload(as, file, 'text/plain');

/** The signed PUT, plus whatever headers the holder of the URL adds. */
async function put(presigned: PresignedRequest, body: Buffer, extra: Record<string, string> = {}) {
  const response = await fetch(presigned.url, {
    method: 'PUT',
    headers: { ...presigned.headers, ...extra },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

async function cleanUpload(file: TestFile) {
  const created = await requested(file);
  expect(await put(created.upload, file.bytes)).toBe(200);
  const { upload } = await waitForState(stack.uploads, created.uploadId, [
    'clean',
    'ready',
    'rejected',
    'quarantined',
  ]);
  expect(upload.state).toMatch(/^(clean|ready)$/);
  return { uploadId: created.uploadId, key: created.key, presigned: created.upload, upload };
}

// What S3 (and the emulator) store from a PUT besides the signed headers.
const UNSIGNED: ReadonlyArray<[string, Record<string, string>]> = [
  ['Content-Encoding', { 'Content-Encoding': 'gzip' }],
  ['Cache-Control', { 'Cache-Control': 'public, max-age=31536000' }],
  ['Content-Language', { 'Content-Language': 'en' }],
  ['Content-Disposition', { 'Content-Disposition': 'inline; filename="page.html"' }],
  ['Expires', { Expires: 'Fri, 01 Jan 2100 00:00:00 GMT' }],
  ['x-amz-website-redirect-location', { 'x-amz-website-redirect-location': '/elsewhere' }],
  ['x-amz-meta-*', { 'x-amz-meta-note': 'nobody signed this' }],
];

describe('metadata nobody signed (finding 4)', () => {
  it.each(UNSIGNED)(
    'a PUT with the signed headers plus %s is stored, then rejected as unsigned_metadata and quarantined',
    async (_name, extra) => {
      const file = uniqueText('unsigned');
      const { uploadId, key, upload } = await requested(file);
      // The emulator takes the extra header: the signature does not cover it.
      expect(await put(upload, file.bytes, extra)).toBe(200);
      const { upload: rejected, history } = await waitForState(stack.uploads, uploadId);
      expect(rejected).toMatchObject({ state: 'rejected', reason: 'unsigned_metadata' });
      expect(history.map((h) => h.toState)).toEqual(['pending', 'uploaded', 'rejected']);
      expect(await quarantined(uploadId, key)).toBe(true);
    },
  );

  it('the same bytes PUT again through the URL with an unsigned header reject the clean upload', async () => {
    const file = uniqueText('again');
    const { uploadId, key, presigned } = await cleanUpload(file);
    expect(await put(presigned, file.bytes, { 'Cache-Control': 'public, max-age=31536000' })).toBe(
      200,
    );
    const { upload: rejected } = await waitForState(stack.uploads, uploadId, ['rejected']);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'unsigned_metadata' });
    expect(await quarantined(uploadId, key)).toBe(true);
  });

  it('a download of clean content answers with the headers the URL pins', async () => {
    const file = uniqueText('download');
    const { uploadId } = await cleanUpload(file);
    const redirect = await fetch(`${stack.apiUrl}/v1/uploads/${uploadId}/content`, {
      headers: { authorization: `Bearer ${tenant.apiKey}` },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    const url = redirect.headers.get('location')!;
    const params = new URL(url).searchParams;
    expect(params.get('response-cache-control')).toBe('private, no-store');
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(file.bytes);
    expect(Object.fromEntries(served.headers)).toMatchObject({
      'cache-control': 'private, no-store',
      'content-type': 'text/plain',
      'content-disposition': 'attachment; filename="file"',
      'content-encoding': 'identity',
      'content-language': 'und',
      expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
    });
  });

  it('whatever the stored object says, the six headers a URL may override are ours; x-amz-meta-* cannot be overridden, hence the rejection', async () => {
    const key = `headers/${randomUUID()}.txt`;
    await s3.send(
      new PutObjectCommand({
        Bucket: sandbox,
        Key: key,
        Body: 'stored with hostile headers',
        ContentType: 'text/html',
        CacheControl: 'public, max-age=31536000',
        ContentEncoding: 'gzip',
        ContentLanguage: 'fr',
        ContentDisposition: 'inline',
        Expires: new Date('2100-01-01T00:00:00Z'),
        Metadata: { note: 'served as is' },
      }),
    );
    const { url } = await new S3UploadUrlSigner({ s3 }).presignGet({
      bucket: sandbox,
      key,
      expiresInSeconds: 60,
      contentType: 'text/plain',
      downloadName: 'notes.txt',
    });
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('stored with hostile headers');
    expect(Object.fromEntries(served.headers)).toMatchObject({
      'cache-control': 'private, no-store',
      'content-type': 'text/plain',
      'content-disposition': 'attachment; filename="notes.txt"',
      'content-encoding': 'identity',
      'content-language': 'und',
      expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
      'x-amz-meta-note': 'served as is',
    });
  });
});

describe('reads by version, bytes by SHA-256 (finding 5)', () => {
  it('other bytes of the signed length PUT again through the URL after verification: rejected content_replaced', async () => {
    const file = uniqueText('original');
    const created = await cleanUpload(file);
    const other = Buffer.from(file.bytes);
    other[0] = other[0]! ^ 0x01;
    // The emulator, like S3, refuses them through the URL (its checksum is signed);
    // a store that does not enforce it (some S3-compatible ones) is played by a direct PUT.
    expect(await put(created.presigned, other)).toBe(400);
    await s3.send(
      new PutObjectCommand({
        Bucket: uploadsBucket,
        Key: created.key,
        Body: other,
        ContentType: 'text/plain',
      }),
    );
    const { upload: rejected } = await waitForState(stack.uploads, created.uploadId, ['rejected']);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'content_replaced' });
    expect(await quarantined(created.uploadId, created.key)).toBe(true);
    const redirect = await fetch(`${stack.apiUrl}/v1/uploads/${created.uploadId}/content`, {
      headers: { authorization: `Bearer ${tenant.apiKey}` },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(409);
  });

  it('the emulator keeps no versions: the verified upload records none', async () => {
    const { upload } = await cleanUpload(uniqueText('versionless'));
    expect(upload.versionId).toBeNull();
  });
});

describe("a revoked key's outstanding URLs (finding 14)", () => {
  it('the upload records its issuing key; bytes PUT after the key was revoked end rejected issuer_revoked', async () => {
    const own = await stack.tenant();
    const file = uniqueText('revoked');
    const { uploadId, key, upload } = await requested(file, own);
    const issued = await stack.uploads.find(uploadId);
    expect(issued!.apiKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await stack.tenants.revokeKey(issued!.apiKeyId!)).toBe(true);

    // The URL is still validly signed: S3 takes the bytes, the verifier does not.
    expect(await putPresigned(upload, file.bytes)).toBe(200);
    const { upload: rejected } = await waitForState(stack.uploads, uploadId);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'issuer_revoked' });
    expect(await quarantined(uploadId, key)).toBe(true);
  });
});
