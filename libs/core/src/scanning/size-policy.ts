import { MAX_UPLOAD_BYTES, type Category, type SizeLimits } from '../type-policy.ts';

/**
 * The most ClamAV 1.4 scans whole: it lowers any larger MaxFileSize to
 * 2 GiB − 3 bytes (with a warning at start), and a stream past it answers
 * `Heuristics.Limits.Exceeded.MaxFileSize` under AlertExceedsMax. StreamMaxLength
 * itself goes to 4 GiB, but clamd would read the bytes past 2 GiB only to say so.
 */
export const CLAMD_MAX_SCAN_BYTES = 2_147_483_645;

/**
 * How large each category may be, given what the scanner reads whole.
 * `scanMaxBytes`: the largest object clamd scans whole (StreamMaxLength =
 * MaxFileSize = MaxScanSize); undefined when the operator did not say.
 * `oversizeCategories`: categories explicitly opted in to uploads larger than
 * `scanMaxBytes`; those are accepted but never called clean (the scanner does
 * not send them to clamd: they are quarantined, or held under
 * SCAN_LIMITS_POLICY=hold).
 */
export type ScanSizePolicy = {
  readonly scanMaxBytes: number | undefined;
  readonly oversizeCategories: readonly Category[];
};

/**
 * The limit the API enforces per category: the operator's limit, capped at
 * `scanMaxBytes` unless the category is opted in to oversize uploads, and
 * never above {@link MAX_UPLOAD_BYTES}.
 */
export function effectiveSizeLimits(limits: SizeLimits, policy: ScanSizePolicy): SizeLimits {
  const capped = (category: Category): number => {
    const limit = Math.min(limits[category], MAX_UPLOAD_BYTES);
    if (policy.scanMaxBytes === undefined || policy.oversizeCategories.includes(category))
      return limit;
    return Math.min(limit, policy.scanMaxBytes);
  };
  return {
    images: capped('images'),
    documents: capped('documents'),
    text: capped('text'),
    video: capped('video'),
  };
}

/**
 * Whether the scanner must not send an object to clamd at all: it is larger
 * than clamd scans whole, so any answer could only be about part of it.
 */
export function exceedsScanLimit(size: number, scanMaxBytes: number | undefined): boolean {
  return scanMaxBytes !== undefined && size > scanMaxBytes;
}

/** The signature recorded for an object the scanner did not send because of its size. */
export const SCAN_MAX_BYTES_SIGNATURE = 'Heuristics.Limits.Exceeded.ScanMaxBytes';
