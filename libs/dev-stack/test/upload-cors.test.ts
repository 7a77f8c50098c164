/**
 * The uploads bucket's CORS rule on the S3 emulator as `airlock dev up` sets
 * it (emulators.main.ts: AIRLOCK_DEV_CORS_ORIGINS → uploadCorsRule), in an
 * emulator of this test's own: with the default origins a page is admitted,
 * and started again with the setting emptied the rule is really gone, even
 * though the bucket (and its stored configuration) survived the restart.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, S3UploadUrlSigner } from '@airlock/s3';
import { createS3Emulator } from '../src/s3-emulator.ts';
import { parseCorsOrigins, uploadCorsRule } from '../src/upload-cors.ts';

const PAGE = 'http://127.0.0.1:5173';
const Bucket = 'uploads';
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'airlock-cors-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

/** An emulator over the same directory, as the stack starts it with AIRLOCK_DEV_CORS_ORIGINS = `setting`. */
async function emulator(setting: string | undefined) {
  const rule = uploadCorsRule(parseCorsOrigins(setting));
  const server = await createS3Emulator({
    address: '127.0.0.1',
    port: 0,
    directory: join(directory, 's3'),
    incoming: join(directory, 'incoming'),
    buckets: [Bucket, 'quarantine'],
    cors: rule ? { [Bucket]: rule } : {},
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = createS3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    signer: new S3UploadUrlSigner({ s3 }),
    close: async () => {
      s3.destroy();
      await server.close();
    },
  };
}

const corsOf = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

async function browserPut(signer: S3UploadUrlSigner, key: string) {
  const bytes = Buffer.from(`hello from ${key}\n`);
  const presigned = await signer.presignPut({
    bucket: Bucket,
    key,
    contentType: 'text/plain',
    contentLength: bytes.length,
    sha256Hex: createHash('sha256').update(bytes).digest('hex'),
    expiresInSeconds: 60,
  });
  const preflight = await fetch(presigned.url, {
    method: 'OPTIONS',
    headers: {
      Origin: PAGE,
      'Access-Control-Request-Method': 'PUT',
      'Access-Control-Request-Headers': 'content-type,x-amz-checksum-sha256',
    },
  });
  const put = await fetch(presigned.url, {
    method: 'PUT',
    headers: { Origin: PAGE, ...presigned.headers },
    body: bytes,
  });
  return {
    preflight: {
      status: preflight.status,
      cors: corsOf(preflight),
      text: await preflight.text(),
    },
    put: { status: put.status, cors: corsOf(put), text: await put.text() },
  };
}

describe('AIRLOCK_DEV_CORS_ORIGINS on the S3 emulator', () => {
  it('unset: a loopback page may PUT; emptied: no rule any more, preflights 403 as S3 answers', async () => {
    const withDefault = await emulator(undefined);
    try {
      const admitted = await browserPut(withDefault.signer, 'default/a.txt');
      expect(admitted.preflight).toMatchObject({
        status: 200,
        cors: {
          'access-control-allow-origin': PAGE,
          'access-control-allow-methods': 'PUT, POST',
          'access-control-allow-headers': 'content-type, x-amz-checksum-sha256',
          'access-control-expose-headers': 'ETag',
          'access-control-max-age': '3600',
        },
      });
      expect(admitted.put).toMatchObject({
        status: 200,
        cors: { 'access-control-allow-origin': PAGE, 'access-control-expose-headers': 'ETag' },
      });
      // Only the uploads bucket has the rule.
      const quarantine = await fetch(`${withDefault.endpoint}/quarantine/x`, {
        method: 'OPTIONS',
        headers: { Origin: PAGE, 'Access-Control-Request-Method': 'PUT' },
      });
      expect(quarantine.status).toBe(403);
    } finally {
      await withDefault.close();
    }

    const emptied = await emulator('');
    try {
      const refused = await browserPut(emptied.signer, 'emptied/a.txt');
      expect(refused.preflight).toMatchObject({ status: 403, cors: {} });
      expect(refused.preflight.text).toMatch(/CORS is not enabled for this bucket/);
      // S3 still takes the signed PUT (CORS binds browsers only), with no grant in the answer.
      expect(refused.put).toEqual({ status: 200, cors: {}, text: '' });
    } finally {
      await emptied.close();
    }
  });

  it('other origins instead of the loopback ones: only those are admitted', async () => {
    const listed = await emulator('https://app.example.com');
    try {
      const loopback = await browserPut(listed.signer, 'listed/a.txt');
      expect([loopback.preflight.status, loopback.put.cors]).toEqual([403, {}]);
      const app = await fetch(`${listed.endpoint}/${Bucket}/listed/b.txt`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' },
      });
      expect([app.status, app.headers.get('access-control-allow-origin')]).toEqual([
        200,
        'https://app.example.com',
      ]);
    } finally {
      await listed.close();
    }
  });
});
