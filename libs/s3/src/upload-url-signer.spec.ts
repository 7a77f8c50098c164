import { S3Client } from '@aws-sdk/client-s3';
import { S3UploadUrlSigner } from './upload-url-signer.adapter.ts';

const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:4569',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const signer = new S3UploadUrlSigner({ s3 });

const paramsOf = async (request: Parameters<S3UploadUrlSigner['presignGet']>[0]) =>
  new URL((await signer.presignGet(request)).url).searchParams;

describe('S3UploadUrlSigner.presignGet', () => {
  it('pins every response header S3 lets a URL override, and the verified version', async () => {
    const params = await paramsOf({
      bucket: 'uploads',
      key: 'f/documents/abc.pdf',
      versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
      expiresInSeconds: 60,
      contentType: 'application/pdf',
      downloadName: 'report (final).pdf',
    });
    expect(params.get('versionId')).toBe('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY');
    expect(params.get('response-content-type')).toBe('application/pdf');
    expect(params.get('response-content-disposition')).toBe(
      'attachment; filename="report_final_.pdf"',
    );
    expect(params.get('response-cache-control')).toBe('private, no-store');
    expect(params.get('response-content-encoding')).toBe('identity');
    expect(params.get('response-content-language')).toBe('und');
    expect(params.get('response-expires')).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    // Every one is under the signature: a changed value is a refused URL.
    expect(params.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('without a version or a name: the current object, still an attachment of a fixed type', async () => {
    const params = await paramsOf({
      bucket: 'processed',
      key: 'f/renditions/abc/w256.webp',
      versionId: null,
      expiresInSeconds: 60,
    });
    expect(params.has('versionId')).toBe(false);
    expect(params.get('response-content-type')).toBe('application/octet-stream');
    expect(params.get('response-content-disposition')).toBe('attachment');
    expect(params.get('response-cache-control')).toBe('private, no-store');
  });
});

describe('S3UploadUrlSigner.presignPut', () => {
  const sha256Hex = 'ab'.repeat(32);
  const presigned = () =>
    signer.presignPut({
      bucket: 'uploads',
      key: 'f/text/abc.txt',
      contentType: 'text/plain',
      contentLength: 1234,
      sha256Hex,
      expiresInSeconds: 60,
    });

  it('hands the client only headers a browser may set', async () => {
    expect((await presigned()).headers).toEqual({
      'Content-Type': 'text/plain',
      'x-amz-checksum-sha256': Buffer.from(sha256Hex, 'hex').toString('base64'),
    });
  });

  it('still signs Content-Length, with type and checksum, as headers', async () => {
    const url = new URL((await presigned()).url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual([
      'content-length',
      'content-type',
      'host',
      'x-amz-checksum-sha256',
    ]);
  });
});
