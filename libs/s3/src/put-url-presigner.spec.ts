import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PutUrlPresigner, type PutUrlInput } from './put-url-presigner.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const signingDate = new Date('2026-11-23T10:00:00Z');
const options = {
  expiresIn: 600,
  signingDate,
  signableHeaders: new Set(['content-type', 'content-length']),
  unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
};

const clients: Record<string, S3Client> = {
  'an emulator, path style': new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:4569',
    forcePathStyle: true,
    credentials,
  }),
  'AWS, virtual-hosted': new S3Client({ region: 'eu-west-1', credentials }),
  'AWS, path style': new S3Client({ region: 'ap-southeast-2', forcePathStyle: true, credentials }),
  'AWS, FIPS and dual-stack': new S3Client({
    region: 'us-east-2',
    useFipsEndpoint: true,
    useDualstackEndpoint: true,
    credentials,
  }),
  'an S3-compatible store on https with a path': new S3Client({
    region: 'auto',
    endpoint: 'https://store.example.com:9000/s3',
    forcePathStyle: true,
    credentials,
  }),
};

const inputs: PutUrlInput[] = [
  {
    Bucket: 'uploads',
    Key: '0123456789abcdef0123456789abcdef/images/ab12.jpg',
    ContentType: 'image/jpeg',
    ContentLength: 48213,
    ChecksumSHA256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
  },
  {
    Bucket: 'my.dotted.bucket',
    Key: 'odd keys/ünïcode & (parens) *star*/+plus=equals?.txt',
    ContentType: 'text/plain; charset=utf-8',
    ContentLength: 1,
    ChecksumSHA256: 'ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=',
  },
];

describe('PutUrlPresigner', () => {
  describe.each(Object.entries(clients))('against %s', (_name, s3) => {
    it.each(inputs.map((input) => [input.Bucket, input] as const))(
      'gives getSignedUrl’s exact URL for bucket %s, the first time and from its cache',
      async (_bucket, input) => {
        const expected = await getSignedUrl(s3, new PutObjectCommand(input), options);
        const presigner = new PutUrlPresigner(s3);
        expect(await presigner.presign(input, options)).toBe(expected);
        expect(await presigner.presign(input, options)).toBe(expected);
      },
    );
  });

  it('signs with the region the endpoint rules give, not a default', async () => {
    const url = new URL(
      await new PutUrlPresigner(clients['AWS, virtual-hosted']!).presign(inputs[0]!, options),
    );
    expect(url.hostname).toBe('uploads.s3.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      'AKIDEXAMPLE/20261123/eu-west-1/s3/aws4_request',
    );
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host;x-amz-checksum-sha256',
    );
  });
});
