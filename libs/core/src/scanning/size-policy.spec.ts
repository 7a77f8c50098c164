import { DEFAULT_SIZE_LIMITS, MAX_UPLOAD_BYTES } from '../type-policy.ts';
import { CLAMD_MAX_SCAN_BYTES, effectiveSizeLimits, exceedsScanLimit } from './size-policy.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const limits = { images: 25 * MiB, documents: 3 * GiB, text: 10 * MiB, video: 5 * GiB };

describe('effectiveSizeLimits', () => {
  it('caps every category at what clamd scans whole', () => {
    expect(effectiveSizeLimits(limits, { scanMaxBytes: 2 * GiB, oversizeCategories: [] })).toEqual({
      images: 25 * MiB,
      documents: 2 * GiB,
      text: 10 * MiB,
      video: 2 * GiB,
    });
  });

  it('lets only the categories opted in go past it, up to their own limit', () => {
    expect(
      effectiveSizeLimits(limits, { scanMaxBytes: 1 * GiB, oversizeCategories: ['video'] }),
    ).toEqual({ images: 25 * MiB, documents: 1 * GiB, text: 10 * MiB, video: 5 * GiB });
  });

  it('never goes above 5 GiB, whatever the operator set', () => {
    const huge = { ...limits, documents: 6 * GiB };
    expect(
      effectiveSizeLimits(huge, { scanMaxBytes: undefined, oversizeCategories: [] }).documents,
    ).toBe(MAX_UPLOAD_BYTES);
  });

  it('without a scan limit keeps the operator limits', () => {
    expect(
      effectiveSizeLimits(DEFAULT_SIZE_LIMITS, { scanMaxBytes: undefined, oversizeCategories: [] }),
    ).toEqual(DEFAULT_SIZE_LIMITS);
  });
});

describe('exceedsScanLimit', () => {
  it('is true only past the limit, never at it', () => {
    expect(exceedsScanLimit(CLAMD_MAX_SCAN_BYTES, CLAMD_MAX_SCAN_BYTES)).toBe(false);
    expect(exceedsScanLimit(CLAMD_MAX_SCAN_BYTES + 1, CLAMD_MAX_SCAN_BYTES)).toBe(true);
    expect(exceedsScanLimit(5 * GiB, undefined)).toBe(false);
  });

  it('knows ClamAV 1.4 scans at most 2 GiB − 3 bytes whole', () => {
    expect(CLAMD_MAX_SCAN_BYTES).toBe(2 * GiB - 3);
  });
});
