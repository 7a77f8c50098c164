import { judgeObject, type MeasuredObject } from './judge-object.ts';

const SHA = 'a'.repeat(64);
const declared = (contentType: string) => ({ size: 10, sha256: SHA, contentType });
const measured = (overrides: Partial<MeasuredObject> = {}): MeasuredObject => ({
  size: 10,
  sha256Hex: SHA,
  detectedMime: undefined,
  isText: true,
  ...overrides,
});

describe('judgeObject', () => {
  it('verifies text that is text, naming the declared type', () => {
    expect(judgeObject(declared('text/plain'), measured())).toEqual({
      verdict: 'verified',
      detectedContentType: 'text/plain',
    });
  });

  it('verifies an image whose magic bytes are the declared type', () => {
    expect(
      judgeObject(declared('image/png'), measured({ detectedMime: 'image/png', isText: false })),
    ).toEqual({
      verdict: 'verified',
      detectedContentType: 'image/png',
    });
  });

  it('checks size first, then the hash, then the type', () => {
    const everythingWrong = measured({
      size: 11,
      sha256Hex: 'b'.repeat(64),
      detectedMime: 'application/pdf',
    });
    expect(judgeObject(declared('image/png'), everythingWrong)).toMatchObject({
      reason: 'size_mismatch',
    });
    expect(judgeObject(declared('image/png'), { ...everythingWrong, size: 10 })).toMatchObject({
      reason: 'checksum_mismatch',
    });
    expect(
      judgeObject(declared('image/png'), { ...everythingWrong, size: 10, sha256Hex: SHA }),
    ).toMatchObject({
      reason: 'type_mismatch',
      detail: 'declared image/png, stored application/pdf',
    });
  });

  it.each([
    ['a PDF', 'application/pdf', false],
    ['an executable', 'application/x-msdownload', false],
    ['a script', undefined, true],
    ['unknown binary', undefined, false],
  ])('rejects %s declared as a JPEG', (_label, detectedMime, isText) => {
    expect(judgeObject(declared('image/jpeg'), measured({ detectedMime, isText }))).toMatchObject({
      verdict: 'rejected',
      reason: 'type_mismatch',
    });
  });

  it('rejects binary declared as text', () => {
    expect(judgeObject(declared('text/csv'), measured({ isText: false }))).toMatchObject({
      reason: 'type_mismatch',
    });
  });

  it('accepts text whose first bytes happen to look like a weak signature', () => {
    expect(
      judgeObject(declared('text/csv'), measured({ detectedMime: 'image/bmp', isText: true })),
    ).toMatchObject({
      verdict: 'verified',
    });
  });

  it('rejects a type that is not on the allow-list', () => {
    expect(
      judgeObject(declared('application/zip'), measured({ detectedMime: 'application/zip' })),
    ).toMatchObject({
      reason: 'type_mismatch',
    });
  });
});
