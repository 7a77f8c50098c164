import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { awaitS3Notification, decodeS3EventKey } from '@airlock/dev-stack';
import { createS3Client, S3UploadUrlSigner } from '@airlock/s3';
import { createSqsClient } from '@airlock/sqs';
import { ApiHarness, uniqueText, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness();
const s3 = createS3Client(harness.config.aws.s3);
const sqs = createSqsClient(harness.config.aws.sqs);
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(async () => {
  await harness.stop();
  s3.destroy();
  sqs.destroy();
});

async function requestUrl(file: ReturnType<typeof uniqueText>, contentType = 'text/plain') {
  const response = await harness.request('POST', '/v1/uploads', {
    apiKey: tenant.apiKey,
    body: {
      siteId: tenant.siteId,
      fileName: 'notes.txt',
      contentType,
      size: file.size,
      sha256: file.sha256,
    },
  });
  expect(response.status).toBe(201);
  expectMatchesOpenApi('post', '/v1/uploads', 201, response.body);
  return response.body as {
    uploadId: string;
    key: string;
    upload: { method: string; url: string; headers: Record<string, string>; expiresAt: string };
  };
}

const put = (url: string, headers: Record<string, string>, body: Buffer) =>
  fetch(url, { method: 'PUT', headers, body });

describe('the presigned PUT', () => {
  it('signs key, type, size and checksum, and a PUT with exactly its headers succeeds', async () => {
    const file = uniqueText();
    const { key, upload } = await requestUrl(file);
    const signed = new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')!.split(';');
    expect(signed).toEqual(
      expect.arrayContaining(['content-length', 'content-type', 'host', 'x-amz-checksum-sha256']),
    );
    expect(new URL(upload.url).searchParams.has('x-amz-checksum-crc32')).toBe(false);
    // Only headers a browser may set; Content-Length is signed, and fetch sends it itself.
    expect(upload.headers).toEqual({
      'Content-Type': 'text/plain',
      'x-amz-checksum-sha256': Buffer.from(file.sha256, 'hex').toString('base64'),
    });
    expect(key).toMatch(new RegExp(`^[0-9a-f]{32}/text/${file.sha256}\\.txt$`));

    const response = await put(upload.url, upload.headers, file.bytes);
    expect(response.status).toBe(200);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: harness.config.uploads.bucket, Key: key }),
    );
    expect(head.ContentLength).toBe(file.size);
    expect(head.ContentType).toBe('text/plain');
  });

  it('delivers the ObjectCreated event to SQS as S3 does', async () => {
    // Through the sandbox bucket, whose events go to a queue no worker reads.
    const sandbox = new ApiHarness({ UPLOADS_BUCKET: process.env.SANDBOX_BUCKET! });
    await sandbox.start();
    try {
      const owner = await sandbox.tenant();
      const file = uniqueText();
      const created = await sandbox.request('POST', '/v1/uploads', {
        apiKey: owner.apiKey,
        body: {
          siteId: owner.siteId,
          fileName: 'a.txt',
          contentType: 'text/plain',
          size: file.size,
          sha256: file.sha256,
        },
      });
      const { key, upload } = created.body;
      expect((await put(upload.url, upload.headers, file.bytes)).status).toBe(200);

      const { record, body } = await awaitS3Notification(
        sqs,
        process.env.SANDBOX_EVENTS_QUEUE_URL!,
        key,
        {
          timeoutMs: 15_000,
          consume: true,
        },
      );
      expect(JSON.parse(body)).toHaveProperty('Records');
      expect(record).toMatchObject({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: harness.config.aws.region,
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: {
            name: process.env.SANDBOX_BUCKET,
            arn: `arn:aws:s3:::${process.env.SANDBOX_BUCKET}`,
          },
          object: {
            size: file.size,
            eTag: expect.stringMatching(/^[0-9a-f]{32}$/),
            sequencer: expect.any(String),
          },
        },
      });
      expect(decodeS3EventKey(record.s3.object.key)).toBe(key);
    } finally {
      await sandbox.stop();
    }
  });

  it('is refused by S3 with another size: the Content-Length a client sends is signed', async () => {
    const file = uniqueText();
    const { upload } = await requestUrl(file);
    // As a browser does: the returned headers, the length computed from the body.
    for (const other of [
      Buffer.concat([file.bytes, Buffer.from('!')]),
      file.bytes.subarray(0, file.size - 1),
    ]) {
      const response = await put(upload.url, upload.headers, other);
      expect([other.length, response.status]).toEqual([other.length, 403]);
    }
    // Said explicitly, it is refused all the same.
    const longer = Buffer.concat([file.bytes, Buffer.from('!')]);
    const explicit = await put(
      upload.url,
      { ...upload.headers, 'Content-Length': String(longer.length) },
      longer,
    );
    expect(explicit.status).toBe(403);
  });

  it('is refused by S3 with another content type', async () => {
    const file = uniqueText();
    const { upload } = await requestUrl(file);
    const response = await put(
      upload.url,
      { ...upload.headers, 'Content-Type': 'text/html' },
      file.bytes,
    );
    expect(response.status).toBe(403);
  });

  it('is refused by S3 with another checksum', async () => {
    const file = uniqueText();
    const { upload } = await requestUrl(file);
    const forged = Buffer.alloc(32, 7).toString('base64');
    const response = await put(
      upload.url,
      { ...upload.headers, 'x-amz-checksum-sha256': forged },
      file.bytes,
    );
    expect(response.status).toBe(403);
  });

  it('is refused by S3 once tampered with', async () => {
    const file = uniqueText();
    const { upload } = await requestUrl(file);
    const url = new URL(upload.url);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set(
      'X-Amz-Signature',
      `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    );
    expect((await put(url.toString(), upload.headers, file.bytes)).status).toBe(403);

    const otherKey = new URL(upload.url);
    otherKey.pathname = otherKey.pathname.replace(/\.txt$/, '.html');
    expect((await put(otherKey.toString(), upload.headers, file.bytes)).status).toBe(403);
  });

  it('is refused by S3 after it expires', async () => {
    const file = uniqueText();
    const signer = new S3UploadUrlSigner({ s3 });
    const presigned = await signer.presignPut({
      bucket: harness.config.uploads.bucket,
      key: `expiry-test/${file.sha256}.txt`,
      contentType: 'text/plain',
      contentLength: file.size,
      sha256Hex: file.sha256,
      expiresInSeconds: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await put(presigned.url, presigned.headers, file.bytes)).status).toBe(403);
  });

  it('is refused by S3 when signed with another secret', async () => {
    const file = uniqueText();
    const forger = createS3Client({
      ...harness.config.aws.s3,
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: 'not-the-secret',
      },
    });
    const presigned = await new S3UploadUrlSigner({ s3: forger }).presignPut({
      bucket: harness.config.uploads.bucket,
      key: `forged/${file.sha256}.txt`,
      contentType: 'text/plain',
      contentLength: file.size,
      sha256Hex: file.sha256,
      expiresInSeconds: 60,
    });
    forger.destroy();
    expect((await put(presigned.url, presigned.headers, file.bytes)).status).toBe(403);
  });
});
