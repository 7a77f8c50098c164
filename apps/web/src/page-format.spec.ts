import {
  contentTypeOf,
  describeApiError,
  describeOutcome,
  formatBytes,
  percent,
  refusalOf,
} from '../page/format.ts';

const MiB = 1024 * 1024;

describe("the demo page's wording and checks", () => {
  it('formats sizes and percentages (100 only when all is done)', () => {
    expect([formatBytes(0), formatBytes(1000), formatBytes(1536), formatBytes(20 * MiB)]).toEqual([
      '0 bytes',
      '1000 bytes',
      '1.5 KiB',
      '20 MiB',
    ]);
    expect([percent(0, 10), percent(999, 1000), percent(10, 10), percent(0, 0)]).toEqual([
      0, 99, 100, 100,
    ]);
  });

  it("declares the browser's type, else one from the extension, else octet-stream", () => {
    expect(contentTypeOf({ name: 'a.PDF', type: '' })).toBe('application/pdf');
    expect(contentTypeOf({ name: 'a.txt', type: 'text/plain;charset=utf-8' })).toBe('text/plain');
    expect(contentTypeOf({ name: 'README', type: '' })).toBe('application/octet-stream');
  });

  it("refuses before hashing what the token's limits refuse", () => {
    const limits = { maxSize: 100 * MiB, contentTypes: ['image/png', 'application/pdf'] };
    expect(refusalOf({ name: 'x.pdf', type: 'application/pdf', size: 150 * MiB }, limits)).toEqual({
      code: 'file_too_large',
      message: 'Too large: 150 MiB, the limit is 100 MiB.',
    });
    expect(refusalOf({ name: 'x.exe', type: '', size: 10 }, limits)).toEqual({
      code: 'unsupported_type',
      message: 'Wrong type: this kind of file is not accepted here. Accepted: images, PDF.',
    });
    expect(refusalOf({ name: 'x.png', type: 'image/png', size: 0 }, limits)?.code).toBe(
      'empty_file',
    );
    expect(refusalOf({ name: 'x.png', type: 'image/png', size: 5 }, limits)).toBeUndefined();
    expect(
      refusalOf({ name: 'x.bin', type: '', size: 5 }, { maxSize: null, contentTypes: null }),
    ).toBeUndefined();
  });

  it('says API refusals plainly', () => {
    expect(
      describeApiError({ code: 'file_too_large', message: '413', details: { limit: 10 * MiB } }),
    ).toBe('Too large: the limit for this kind of file is 10 MiB.');
    expect(
      describeApiError({
        code: 'unsupported_type',
        message: '415',
        details: { allowed: ['image/png', 'text/plain'] },
      }),
    ).toBe('Wrong type: accepted are images, text.');
    expect(describeApiError({ code: 'x', message: '429 rate_limited: Slow down' })).toBe(
      'Slow down',
    );
  });

  it("explains the pipeline's verdicts", () => {
    expect(describeOutcome('quarantined', 'Airlock.Test.EICAR')).toBe(
      'Quarantined: the virus scanner found Airlock.Test.EICAR.',
    );
    expect(describeOutcome('quarantined', 'scan_limits_exceeded: Heuristics.Limits.Exceeded')).toBe(
      'Quarantined: too large or too deep to scan whole (Heuristics.Limits.Exceeded).',
    );
    expect(describeOutcome('rejected', 'type_mismatch')).toBe(
      'Rejected: the content is not of the declared type.',
    );
    expect(describeOutcome('expired', 'cancelled')).toBe('Cancelled: nothing was kept.');
    expect(describeOutcome('ready', null, true)).toBe('Verified, scanned clean, thumbnails made.');
  });
});
