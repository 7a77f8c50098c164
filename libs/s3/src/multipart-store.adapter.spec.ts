import { S3Client } from '@aws-sdk/client-s3';
import { S3MultipartStore } from './multipart-store.adapter.ts';

const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:4569',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});

describe('S3MultipartStore.presignPart', () => {
  const sha256Hex = 'cd'.repeat(32);
  const presigned = () =>
    new S3MultipartStore({ s3 }).presignPart({
      bucket: 'uploads',
      key: 'f/video/abc.mp4',
      uploadId: 'mpu-1',
      partNumber: 2,
      contentLength: 5 * 1024 * 1024,
      sha256Hex,
      expiresInSeconds: 60,
    });

  it('hands the client only the checksum header: a browser sets Content-Length itself', async () => {
    expect((await presigned()).headers).toEqual({
      'x-amz-checksum-sha256': Buffer.from(sha256Hex, 'hex').toString('base64'),
    });
  });

  it('signs the part’s Content-Length and checksum as headers', async () => {
    const url = new URL((await presigned()).url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual([
      'content-length',
      'host',
      'x-amz-checksum-sha256',
    ]);
    expect(url.searchParams.get('partNumber')).toBe('2');
    expect(url.searchParams.get('uploadId')).toBe('mpu-1');
  });
});
