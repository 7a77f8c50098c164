import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Client, S3UploadUrlSigner } from '@airlock/s3';
import { createSqsClient } from '@airlock/sqs';
import { awaitS3Notification } from '../src/await-notification.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the jest global setup should have set it`);
  return value;
};

const region = env('AWS_REGION');
const s3 = createS3Client({ region, endpoint: env('S3_ENDPOINT'), forcePathStyle: true });
const sqs = createSqsClient({ region, endpoint: process.env.SQS_ENDPOINT });
// The sandbox bucket notifies its own queue exactly as the uploads bucket
// notifies upload-events (same bridge, same envelope), and no worker races us.
const Bucket = env('SANDBOX_BUCKET');
const events = env('SANDBOX_EVENTS_QUEUE_URL');
const MiB = 1024 * 1024;

// Every multipart upload made here, aborted at the end if a failed test left
// it open: the sandbox bucket is shared with other suites (airlock sweep's).
const created: Array<{ key: string; uploadId: string }> = [];

afterAll(async () => {
  await Promise.allSettled(
    created.map(({ key, uploadId }) =>
      s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId })),
    ),
  );
  s3.destroy();
  sqs.destroy();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const newKey = (name: string) => `dev-stack-test/${randomUUID()}/${name}`;
const code = async (response: Response) => /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1];

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

async function objectBytes(key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

const sdkError = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (error: { name: string; $metadata: { httpStatusCode?: number } }) => ({
      name: error.name,
      status: error.$metadata.httpStatusCode,
    }),
  );

/** A presigned UploadPart as the API hands it out: length and checksum signed. */
async function presignPart(key: string, uploadId: string, partNumber: number, bytes: Buffer) {
  const checksum = sha256(bytes);
  const url = await getSignedUrl(
    s3,
    new UploadPartCommand({
      Bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      ContentLength: bytes.length,
      ChecksumSHA256: checksum,
    }),
    {
      expiresIn: 300,
      signableHeaders: new Set(['content-length']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    },
  );
  return { url, headers: { 'x-amz-checksum-sha256': checksum } };
}

async function createUpload(key: string): Promise<string> {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket,
      Key: key,
      ContentType: 'video/mp4',
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  created.push({ key, uploadId: UploadId! });
  return UploadId!;
}

const partsHeld = async (key: string, uploadId: string) =>
  (await s3.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId }))).Parts ?? [];

describe('multipart uploads on the S3 emulator', () => {
  it('takes presigned parts, refuses tampered or resized ones, lists what it holds and completes with S3’s event', async () => {
    const key = newKey('clip one.mp4');
    const uploadId = await createUpload(key);
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(2 * MiB)];

    // Part 1 with other bytes of the same length: refused, nothing kept.
    const first = await presignPart(key, uploadId, 1, parts[0]!);
    const tampered = Buffer.from(parts[0]!);
    tampered[4242] = tampered[4242]! ^ 0xff;
    const badBytes = await fetch(first.url, {
      method: 'PUT',
      headers: first.headers,
      body: tampered,
    });
    expect(badBytes.status).toBe(400);
    expect(await code(badBytes)).toBe('BadDigest');
    // Part 2 with another length: its Content-Length is signed.
    const second = await presignPart(key, uploadId, 2, parts[1]!);
    const badLength = await fetch(second.url, {
      method: 'PUT',
      headers: second.headers,
      body: parts[1]!.subarray(1),
    });
    expect(badLength.status).toBe(403);
    expect(await code(badLength)).toBe('SignatureDoesNotMatch');
    expect(await partsHeld(key, uploadId)).toEqual([]);

    const etags: string[] = [];
    for (const [index, bytes] of parts.entries()) {
      const part = await presignPart(key, uploadId, index + 1, bytes);
      const put = await fetch(part.url, { method: 'PUT', headers: part.headers, body: bytes });
      expect(put.status).toBe(200);
      expect(put.headers.get('x-amz-checksum-sha256')).toBe(sha256(bytes));
      etags.push(put.headers.get('etag')!);
      if (index === 1) {
        // Exactly the parts held so far, as a resuming client sees them.
        const held = await partsHeld(key, uploadId);
        expect(held.map((p) => [p.PartNumber, p.Size, p.ETag, p.ChecksumSHA256])).toEqual(
          parts.slice(0, 2).map((b, i) => [i + 1, b.length, `"${md5(b)}"`, sha256(b)]),
        );
        expect(held.every((p) => p.LastModified instanceof Date)).toBe(true);
      }
    }
    const paged = await s3.send(
      new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, MaxParts: 2 }),
    );
    expect(paged.Parts?.map((p) => p.PartNumber)).toEqual([1, 2]);
    expect(paged.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListPartsCommand({
        Bucket,
        Key: key,
        UploadId: uploadId,
        PartNumberMarker: paged.NextPartNumberMarker,
      }),
    );
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([3]);
    expect(rest.IsTruncated).toBe(false);
    expect(rest.ChecksumAlgorithm).toBe('SHA256');

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: parts.map((bytes, i) => ({
            PartNumber: i + 1,
            ETag: etags[i],
            ChecksumSHA256: sha256(bytes),
          })),
        },
      }),
    );
    const whole = Buffer.concat(parts);
    const etag = `${createHash('md5')
      .update(Buffer.concat(parts.map((b) => createHash('md5').update(b).digest())))
      .digest('hex')}-3`;
    expect(done.ETag).toBe(`"${etag}"`);
    expect(done.ChecksumSHA256).toMatch(/^[A-Za-z0-9+/]{43}=-3$/);
    expect((await objectBytes(key)).equals(whole)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
    expect(head.ContentType).toBe('video/mp4');

    const { body, record } = await awaitS3Notification(sqs, events, key, {
      timeoutMs: 15_000,
      consume: true,
    });
    expect(record.eventName).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(record.s3.object).toMatchObject({ size: whole.length, eTag: etag });
    expect(record.s3.object.key).toContain('clip+one.mp4');
    expect(JSON.parse(body).Records[0]).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: region,
      s3: { bucket: { name: Bucket, arn: `arn:aws:s3:::${Bucket}` } },
    });

    const gone = await sdkError(partsHeld(key, uploadId));
    expect(gone).toEqual({ name: 'NoSuchUpload', status: 404 });
  });

  it('completes only as S3 does: parts in order, known ETags and checksums, 5 MiB but the last', async () => {
    const key = newKey('small.bin');
    const uploadId = await createUpload(key);
    const parts = [randomBytes(1024), randomBytes(1024)];
    const uploaded: Array<{ PartNumber: number; ETag?: string; ChecksumSHA256?: string }> = [];
    for (const [i, bytes] of parts.entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({
          Bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: i + 1,
          Body: bytes,
          ChecksumSHA256: sha256(bytes),
        }),
      );
      uploaded.push({ PartNumber: i + 1, ETag, ChecksumSHA256: sha256(bytes) });
    }
    const complete = (Parts: typeof uploaded) =>
      sdkError(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts },
          }),
        ),
      );
    expect(await complete([...uploaded].reverse())).toEqual({
      name: 'InvalidPartOrder',
      status: 400,
    });
    expect(await complete([{ ...uploaded[0]!, ETag: `"${md5(Buffer.from('x'))}"` }])).toEqual({
      name: 'InvalidPart',
      status: 400,
    });
    expect(await complete([{ ...uploaded[0]!, ChecksumSHA256: sha256(Buffer.from('x')) }])).toEqual(
      { name: 'InvalidPart', status: 400 },
    );
    expect(await complete(uploaded.map(({ ChecksumSHA256: _, ...part }) => part))).toEqual({
      name: 'InvalidRequest',
      status: 400,
    });
    expect(await complete(uploaded)).toEqual({ name: 'EntityTooSmall', status: 400 });
    // A part without its checksum on a SHA256 upload is refused too.
    expect(
      await sdkError(
        s3.send(
          new UploadPartCommand({
            Bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: 3,
            Body: parts[0],
          }),
        ),
      ),
    ).toEqual({ name: 'InvalidRequest', status: 400 });
    // The last part alone may be small.
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [uploaded[0]!] },
      }),
    );
    expect((await objectBytes(key)).equals(parts[0]!)).toBe(true);
    await awaitS3Notification(sqs, events, key, { timeoutMs: 15_000, consume: true });
  });

  it('aborts: parts gone, later parts and lists answer NoSuchUpload, nothing left to list', async () => {
    const prefix = `dev-stack-test/${randomUUID()}/`;
    const key = `${prefix}abandoned.bin`;
    const uploadId = await createUpload(key);
    const bytes = randomBytes(2048);
    const part = await presignPart(key, uploadId, 1, bytes);
    expect(
      (await fetch(part.url, { method: 'PUT', headers: part.headers, body: bytes })).status,
    ).toBe(200);
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: prefix }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId, u.ChecksumAlgorithm])).toEqual([
      [key, uploadId, 'SHA256'],
    ]);
    expect(listed.Uploads?.[0]?.Initiated).toBeInstanceOf(Date);

    const aborted = await s3.send(
      new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }),
    );
    expect(aborted.$metadata.httpStatusCode).toBe(204);

    expect(await sdkError(partsHeld(key, uploadId))).toEqual({ name: 'NoSuchUpload', status: 404 });
    const late = await presignPart(key, uploadId, 2, bytes);
    const latePut = await fetch(late.url, { method: 'PUT', headers: late.headers, body: bytes });
    expect(latePut.status).toBe(404);
    expect(await code(latePut)).toBe('NoSuchUpload');
    expect(
      await sdkError(
        s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId })),
      ),
    ).toEqual({ name: 'NoSuchUpload', status: 404 });
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: prefix }));
    expect(after.Uploads ?? []).toEqual([]);
    expect(await exists(key)).toBe(false);
  });

  it('refuses a bad signature on UploadPart and ListParts, and any unsigned request', async () => {
    const key = newKey('signed.bin');
    const uploadId = await createUpload(key);
    const bytes = randomBytes(1024);
    const forged = (url: string) =>
      url.replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
      );

    const part = await presignPart(key, uploadId, 1, bytes);
    const put = await fetch(forged(part.url), {
      method: 'PUT',
      headers: part.headers,
      body: bytes,
    });
    expect(put.status).toBe(403);
    expect(await code(put)).toBe('SignatureDoesNotMatch');

    const list = await getSignedUrl(
      s3,
      new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId }),
      { expiresIn: 60 },
    );
    expect((await fetch(list)).status).toBe(200);
    const forgedList = await fetch(forged(list));
    expect(forgedList.status).toBe(403);
    expect(await code(forgedList)).toBe('SignatureDoesNotMatch');

    const base = `${env('S3_ENDPOINT')}/${Bucket}/${key}`;
    for (const [method, url] of [
      ['GET', `${base}?uploadId=${uploadId}`],
      ['PUT', `${base}?partNumber=1&uploadId=${uploadId}`],
      ['DELETE', `${base}?uploadId=${uploadId}`],
      ['GET', `${env('S3_ENDPOINT')}/${Bucket}?uploads`],
      ['GET', `${env('S3_ENDPOINT')}/${Bucket}/`],
    ] as const) {
      const response = await fetch(url, {
        method,
        ...(method === 'PUT' ? { body: bytes } : {}),
      });
      expect([method, url, response.status, await code(response)]).toEqual([
        method,
        url,
        403,
        'AccessDenied',
      ]);
    }
    expect(await partsHeld(key, uploadId)).toEqual([]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
  });
});

describe('single PUTs on the S3 emulator', () => {
  it('refuses a PutObject whose x-amz-checksum-sha256 does not match, and stores nothing', async () => {
    const key = newKey('wrong.txt');
    const bytes = Buffer.from('the real bytes');
    expect(
      await sdkError(
        s3.send(
          new PutObjectCommand({
            Bucket,
            Key: key,
            Body: bytes,
            ChecksumSHA256: sha256(Buffer.from('other bytes')),
          }),
        ),
      ),
    ).toEqual({ name: 'BadDigest', status: 400 });
    expect(await exists(key)).toBe(false);

    // The API's presigned PUT: other bytes of the signed length are refused too.
    const presigned = await new S3UploadUrlSigner({ s3 }).presignPut({
      bucket: Bucket,
      key,
      contentType: 'text/plain',
      contentLength: bytes.length,
      sha256Hex: createHash('sha256').update(bytes).digest('hex'),
      expiresInSeconds: 60,
    });
    const impostor = Buffer.from(bytes).fill(0x41, 0, 3);
    const refused = await fetch(presigned.url, {
      method: 'PUT',
      headers: presigned.headers,
      body: impostor,
    });
    expect(refused.status).toBe(400);
    expect(await code(refused)).toBe('BadDigest');
    expect(await exists(key)).toBe(false);

    const accepted = await fetch(presigned.url, {
      method: 'PUT',
      headers: presigned.headers,
      body: bytes,
    });
    expect(accepted.status).toBe(200);
    expect((await objectBytes(key)).equals(bytes)).toBe(true);
    const { record } = await awaitS3Notification(sqs, events, key, {
      timeoutMs: 15_000,
      consume: true,
    });
    expect(record.eventName).toBe('ObjectCreated:Put');
    expect(record.s3.object.size).toBe(bytes.length);
  });

  it('keeps nothing of a PUT whose client sends fewer bytes than its Content-Length and drops', async () => {
    const key = newKey('truncated.bin');
    const bytes = randomBytes(256 * 1024);
    const presigned = await new S3UploadUrlSigner({ s3 }).presignPut({
      bucket: Bucket,
      key,
      contentType: 'application/octet-stream',
      contentLength: bytes.length,
      sha256Hex: createHash('sha256').update(bytes).digest('hex'),
      expiresInSeconds: 60,
    });
    await new Promise<void>((resolve) => {
      const req = request(presigned.url, { method: 'PUT', headers: presigned.headers });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(bytes.subarray(0, bytes.length / 2), () => {
        setTimeout(() => req.destroy(), 200);
      });
    });
    await sleep(500);
    expect(await exists(key)).toBe(false);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket, Prefix: key.slice(0, key.lastIndexOf('/')) }),
    );
    expect(listed.Contents ?? []).toEqual([]);
  });
});

describe('presigned POST (HTML forms) on the S3 emulator', () => {
  const bytes = Buffer.from('%PDF-1.7\nform upload body\n');

  async function presignedForm(key: string, options: { expires?: number } = {}) {
    return createPresignedPost(s3, {
      Bucket,
      Key: key,
      Conditions: [
        ['content-length-range', bytes.length, bytes.length],
        ['eq', '$Content-Type', 'application/pdf'],
      ],
      Fields: { 'Content-Type': 'application/pdf', 'x-amz-checksum-sha256': sha256(bytes) },
      Expires: options.expires ?? 60,
    });
  }

  async function post(
    form: { url: string; fields: Record<string, string> },
    file: Buffer,
    change: Record<string, string> = {},
  ) {
    const body = new FormData();
    for (const [name, value] of Object.entries({ ...form.fields, ...change }))
      body.append(name, value);
    body.append('file', new Blob([new Uint8Array(file)]), 'upload.pdf');
    return fetch(form.url, { method: 'POST', body });
  }

  it('stores an honest form upload with the form’s Content-Type and sends ObjectCreated:Post', async () => {
    const key = newKey('form.pdf');
    const response = await post(await presignedForm(key), bytes);
    expect(response.status).toBe(204);
    expect(response.headers.get('etag')).toBe(`"${md5(bytes)}"`);
    expect((await objectBytes(key)).equals(bytes)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
    expect(head.ContentType).toBe('application/pdf');
    const { record } = await awaitS3Notification(sqs, events, key, {
      timeoutMs: 15_000,
      consume: true,
    });
    expect(record.eventName).toBe('ObjectCreated:Post');
    expect(record.s3.object.size).toBe(bytes.length);
  });

  it('refuses forms that break their policy, and stores nothing', async () => {
    const tamperedPolicy = (policy: string) => {
      const document = JSON.parse(Buffer.from(policy, 'base64').toString()) as {
        conditions: unknown[];
      };
      document.conditions = document.conditions.map((c) =>
        Array.isArray(c) && c[0] === 'content-length-range' ? [c[0], 0, 10 * MiB] : c,
      );
      return Buffer.from(JSON.stringify(document)).toString('base64');
    };
    const cases: Array<[string, number, string, (key: string) => Promise<Response>]> = [
      [
        'a larger file',
        400,
        'EntityTooLarge',
        async (key) => post(await presignedForm(key), Buffer.concat([bytes, Buffer.from('more')])),
      ],
      [
        'a smaller file',
        400,
        'EntityTooSmall',
        async (key) => post(await presignedForm(key), bytes.subarray(1)),
      ],
      [
        'other bytes of the same size',
        400,
        'BadDigest',
        async (key) => post(await presignedForm(key), Buffer.from(bytes).fill(0x20, 0, 4)),
      ],
      [
        'another content type',
        403,
        'AccessDenied',
        async (key) => post(await presignedForm(key), bytes, { 'Content-Type': 'text/html' }),
      ],
      [
        'another key',
        403,
        'AccessDenied',
        async (key) => post(await presignedForm(key), bytes, { key: `${key}.html` }),
      ],
      [
        'a field the policy does not cover',
        403,
        'AccessDenied',
        async (key) => post(await presignedForm(key), bytes, { 'x-amz-meta-owner': 'eve' }),
      ],
      [
        'a tampered policy',
        403,
        'SignatureDoesNotMatch',
        async (key) => {
          const form = await presignedForm(key);
          return post(form, Buffer.concat([bytes, bytes]), {
            Policy: tamperedPolicy(form.fields.Policy!),
          });
        },
      ],
      [
        'an expired policy',
        403,
        'AccessDenied',
        async (key) => {
          const form = await presignedForm(key, { expires: 1 });
          await sleep(1100);
          return post(form, bytes);
        },
      ],
      [
        'no policy at all',
        403,
        'AccessDenied',
        async (key) => {
          const body = new FormData();
          body.append('key', key);
          body.append('file', new Blob([new Uint8Array(bytes)]), 'upload.pdf');
          return fetch(`${env('S3_ENDPOINT')}/${Bucket}`, { method: 'POST', body });
        },
      ],
    ];
    const keys: string[] = [];
    for (const [what, status, errorCode, attempt] of cases) {
      const key = newKey(`refused ${keys.length}.pdf`);
      keys.push(key);
      const response = await attempt(key);
      expect([what, response.status, await code(response)]).toEqual([what, status, errorCode]);
      expect([what, await exists(key), await exists(`${key}.html`)]).toEqual([what, false, false]);
    }
    await expect(
      awaitS3Notification(sqs, events, keys[0]!, { timeoutMs: 3000, consume: true }),
    ).rejects.toThrow('No S3 notification');
  });
});

// The emulator holds bucket lookups (existence, CORS) in memory: every change
// made through S3's API is seen by the very next request.
describe('bucket changes on the S3 emulator', () => {
  it('sees a bucket created, its CORS rule put and removed, and the bucket deleted, at once', async () => {
    const bucket = `dev-stack-test-${randomUUID().slice(0, 8)}`;
    const origin = 'https://shop.example';
    const preflight = () =>
      fetch(`${env('S3_ENDPOINT')}/${bucket}/k`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT' },
      });
    const put = () => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    expect(await sdkError(put())).toMatchObject({ name: 'NoSuchBucket', status: 404 });

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await put();
    expect((await preflight()).status).toBe(403);

    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['PUT'] }] },
      }),
    );
    const allowed = await preflight();
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);

    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    expect((await preflight()).status).toBe(403);

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    expect(await sdkError(put())).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });
});
