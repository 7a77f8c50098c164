import { createHash } from 'node:crypto';
import {
  checkCompleteParts,
  compositeSha256,
  MIN_PART_SIZE,
  multipartEtag,
  parseCompleteBody,
  parsePartNumber,
  type StoredPart,
} from './s3-multipart-rules.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha = (s: string) => createHash('sha256').update(s).digest('base64');

const stored = (partNumber: number, size: number): StoredPart => ({
  partNumber,
  size,
  etag: md5(String(partNumber)),
  checksumSha256: sha(String(partNumber)),
  lastModified: '2026-11-29T12:00:00.000Z',
});
const held = new Map([1, 2, 3].map((n) => [n, stored(n, n < 3 ? MIN_PART_SIZE : 1)]));
const asked = (n: number) => ({
  partNumber: n,
  etag: md5(String(n)),
  checksumSha256: sha(String(n)),
});
const upload = { uploadId: 'u1', checksumAlgorithm: 'SHA256' };

describe('parseCompleteBody', () => {
  it('reads the parts the SDK sends, quotes and entities removed', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Part><ChecksumSHA256>abc=</ChecksumSHA256><ETag>&quot;0123&quot;</ETag><PartNumber>1</PartNumber></Part>' +
      '<Part><ETag>"4567"</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>';
    expect(parseCompleteBody(xml)).toEqual([
      { partNumber: 1, etag: '0123', checksumSha256: 'abc=' },
      { partNumber: 2, etag: '4567' },
    ]);
  });

  it.each([
    ['no root', '<Other><Part><ETag>a</ETag><PartNumber>1</PartNumber></Part></Other>'],
    ['no parts', '<CompleteMultipartUpload></CompleteMultipartUpload>'],
    [
      'no ETag',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
    ],
    [
      'a bad number',
      '<CompleteMultipartUpload><Part><ETag>a</ETag><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>',
    ],
  ])('answers MalformedXML for %s', (_, xml) => {
    expect(parseCompleteBody(xml)).toMatchObject({ code: 'MalformedXML' });
  });
});

describe('checkCompleteParts', () => {
  it('returns the held parts in order when all checks pass', () => {
    expect(checkCompleteParts([1, 2, 3].map(asked), held, upload)).toEqual([
      held.get(1),
      held.get(2),
      held.get(3),
    ]);
  });

  it('refuses parts out of order, or twice', () => {
    expect(checkCompleteParts([asked(2), asked(1)], held, upload)).toMatchObject({
      code: 'InvalidPartOrder',
    });
    expect(checkCompleteParts([asked(1), asked(1)], held, upload)).toMatchObject({
      code: 'InvalidPartOrder',
    });
  });

  it('refuses a part not held, another ETag or another checksum', () => {
    expect(checkCompleteParts([asked(1), asked(4)], held, upload)).toMatchObject({
      code: 'InvalidPart',
      detail: { PartNumber: 4 },
    });
    expect(
      checkCompleteParts([{ ...asked(1), etag: md5('x') }, asked(3)], held, upload),
    ).toMatchObject({ code: 'InvalidPart' });
    expect(
      checkCompleteParts([{ ...asked(1), checksumSha256: sha('x') }, asked(3)], held, upload),
    ).toMatchObject({ code: 'InvalidPart' });
  });

  it('wants every part checksum on a SHA256 upload, none on a plain one', () => {
    const { checksumSha256: _, ...bare } = asked(1);
    expect(checkCompleteParts([bare, asked(3)], held, upload)).toMatchObject({
      code: 'InvalidRequest',
      message: expect.stringContaining('It was missing for part 1 in the request.'),
    });
    expect(checkCompleteParts([bare, asked(3)], held, { uploadId: 'u1' })).toHaveLength(2);
  });

  it('refuses a part under 5 MiB anywhere but last', () => {
    const small = new Map([...held, [2, stored(2, MIN_PART_SIZE - 1)]]);
    expect(checkCompleteParts([1, 2, 3].map(asked), small, upload)).toMatchObject({
      code: 'EntityTooSmall',
      detail: { PartNumber: 2, ProposedSize: MIN_PART_SIZE - 1, MinSizeAllowed: MIN_PART_SIZE },
    });
    expect(checkCompleteParts([1, 2].map(asked), small, upload)).toHaveLength(2);
  });
});

describe('S3 multipart digests', () => {
  it('computes the ETag as MD5 of the part MD5s, with the count', () => {
    const parts = [{ etag: md5('a') }, { etag: md5('b') }];
    const expected = createHash('md5')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex'))))
      .digest('hex');
    expect(multipartEtag(parts)).toBe(`${expected}-2`);
  });

  it('computes the COMPOSITE SHA-256 from the part digests, with the count', () => {
    const parts = [{ checksumSha256: sha('a') }, { checksumSha256: sha('b') }];
    const expected = createHash('sha256')
      .update(Buffer.concat(parts.map((p) => Buffer.from(p.checksumSha256, 'base64'))))
      .digest('base64');
    expect(compositeSha256(parts)).toBe(`${expected}-2`);
  });

  it.each([
    ['1', 1],
    ['10000', 10000],
    ['0', undefined],
    ['10001', undefined],
    ['1.5', undefined],
    [undefined, undefined],
  ])('reads part number %p as %p', (value, expected) => {
    expect(parsePartNumber(value)).toBe(expected);
  });
});
