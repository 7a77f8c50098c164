import { AppError } from '../errors.ts';
import {
  checkStoredParts,
  chooseUploadMethod,
  DEFAULT_MULTIPART_POLICY,
  MAX_PART_COUNT,
  MAX_SINGLE_REQUEST_BYTES,
  MIN_PART_SIZE,
  partClaimIssues,
  planParts,
  plannedPartSize,
} from './multipart-plan.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const policy = DEFAULT_MULTIPART_POLICY;

function issuesOf(call: () => unknown) {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).httpStatus).toBe(400);
    return (error as AppError).details?.['issues'];
  }
  throw new Error('expected a 400');
}

describe('chooseUploadMethod', () => {
  it('uses one PUT up to the threshold and parts above it', () => {
    expect(chooseUploadMethod({ size: 1 }, policy)).toBe('PUT');
    expect(chooseUploadMethod({ size: 100 * MiB }, policy)).toBe('PUT');
    expect(chooseUploadMethod({ size: 100 * MiB + 1 }, policy)).toBe('MULTIPART');
    expect(chooseUploadMethod({ size: 20 * MiB }, { ...policy, thresholdBytes: 10 * MiB })).toBe(
      'MULTIPART',
    );
  });

  it('takes multipart: true from 5 MiB, and refuses it below with an issue at multipart', () => {
    expect(chooseUploadMethod({ size: MIN_PART_SIZE, multipart: true }, policy)).toBe('MULTIPART');
    expect(
      issuesOf(() => chooseUploadMethod({ size: MIN_PART_SIZE - 1, multipart: true }, policy)),
    ).toEqual([
      { path: 'multipart', message: `multipart needs a size of at least ${MIN_PART_SIZE} bytes` },
    ]);
  });

  it('takes multipart: false as one PUT up to 5 GiB', () => {
    expect(chooseUploadMethod({ size: 200 * MiB, multipart: false }, policy)).toBe('PUT');
    expect(
      issuesOf(() => chooseUploadMethod({ size: 5 * GiB + 1, multipart: false }, policy)),
    ).toHaveLength(1);
  });

  it('gives a form POST for any size up to 5 GiB, threshold or not', () => {
    expect(chooseUploadMethod({ size: 1, form: true }, policy)).toBe('POST');
    expect(chooseUploadMethod({ size: MAX_SINGLE_REQUEST_BYTES, form: true }, policy)).toBe('POST');
    expect(issuesOf(() => chooseUploadMethod({ size: 5 * GiB + 1, form: true }, policy))).toEqual([
      { path: 'size', message: `a form POST takes at most ${MAX_SINGLE_REQUEST_BYTES} bytes` },
    ]);
    expect(chooseUploadMethod({ size: 6 * MiB, form: true, multipart: false }, policy)).toBe(
      'POST',
    );
  });

  it('refuses form and multipart together', () => {
    expect(
      issuesOf(() => chooseUploadMethod({ size: 6 * MiB, form: true, multipart: true }, policy)),
    ).toEqual([
      {
        path: 'form',
        message: 'form and multipart cannot be combined: a form POST is one request',
      },
    ]);
  });

  it('sends anything over 5 GiB in parts', () => {
    expect(
      chooseUploadMethod(
        { size: 6 * GiB },
        { ...policy, thresholdBytes: MAX_SINGLE_REQUEST_BYTES },
      ),
    ).toBe('MULTIPART');
  });
});

describe('planParts', () => {
  it('uses the preferred size while 10,000 parts suffice', () => {
    expect(planParts(20 * MiB, 5 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 4 });
    expect(planParts(20 * MiB + 1, 5 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 5 });
    expect(planParts(5 * GiB, 16 * MiB)).toEqual({ partSize: 16 * MiB, partCount: 320 });
  });

  it('never goes below S3’s 5 MiB', () => {
    expect(planParts(12 * MiB, 1 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 3 });
  });

  it('grows the part size (whole MiB) so that no file needs more than 10,000 parts', () => {
    const size = 5 * 1024 * GiB; // 5 TiB, S3's largest object
    const plan = planParts(size, 5 * MiB);
    expect(plan.partCount).toBeLessThanOrEqual(MAX_PART_COUNT);
    expect(plan.partSize % MiB).toBe(0);
    expect(plan.partSize * plan.partCount).toBeGreaterThanOrEqual(size);
    const justOver = 10_000 * 5 * MiB + 1;
    expect(planParts(justOver, 5 * MiB)).toEqual({ partSize: 6 * MiB, partCount: 8334 });
  });
});

describe('plannedPartSize and partClaimIssues', () => {
  const size = 12 * MiB + 7;
  const plan = planParts(size, 5 * MiB);

  it('is partSize for every part but the last, which holds the rest', () => {
    expect(plan).toEqual({ partSize: 5 * MiB, partCount: 3 });
    expect([1, 2, 3].map((n) => plannedPartSize(size, plan, n))).toEqual([
      5 * MiB,
      5 * MiB,
      2 * MiB + 7,
    ]);
  });

  it('accepts the plan’s numbers and sizes, in any order', () => {
    expect(
      partClaimIssues(size, plan, [
        { partNumber: 3, size: 2 * MiB + 7 },
        { partNumber: 1, size: 5 * MiB },
      ]),
    ).toEqual([]);
  });

  it('names numbers outside the plan, repeats and wrong sizes', () => {
    expect(
      partClaimIssues(size, plan, [
        { partNumber: 4, size: 5 * MiB },
        { partNumber: 0, size: 5 * MiB },
        { partNumber: 2, size: 5 * MiB },
        { partNumber: 2, size: 5 * MiB },
        { partNumber: 3, size: 5 * MiB },
        { partNumber: 1, size: 5 * MiB - 1 },
      ]),
    ).toEqual([
      { path: 'parts.0.partNumber', message: 'must be between 1 and 3' },
      { path: 'parts.1.partNumber', message: 'must be between 1 and 3' },
      { path: 'parts.3.partNumber', message: 'part 2 is repeated' },
      { path: 'parts.4.size', message: `part 3 must be ${2 * MiB + 7} bytes` },
      { path: 'parts.5.size', message: `part 1 must be ${5 * MiB} bytes` },
    ]);
  });
});

describe('checkStoredParts', () => {
  const size = 12 * MiB;
  const plan = { partSize: 5 * MiB, partCount: 3 };
  const part = (partNumber: number, bytes: number) => ({
    partNumber,
    size: bytes,
    etag: `"${partNumber}"`,
  });

  it('passes every planned part with its size, sorted', () => {
    expect(
      checkStoredParts(size, plan, [part(3, 2 * MiB), part(1, 5 * MiB), part(2, 5 * MiB)]),
    ).toEqual({
      ok: true,
      parts: [part(1, 5 * MiB), part(2, 5 * MiB), part(3, 2 * MiB)],
    });
  });

  it('names the missing numbers', () => {
    expect(checkStoredParts(size, plan, [part(2, 5 * MiB)])).toEqual({
      ok: false,
      missing: [1, 3],
    });
    expect(checkStoredParts(size, plan, [])).toEqual({ ok: false, missing: [1, 2, 3] });
  });

  it('names parts of another size, and parts beyond the plan', () => {
    expect(
      checkStoredParts(size, plan, [
        part(1, 5 * MiB),
        part(2, 4 * MiB),
        part(3, 2 * MiB),
        part(4, 1),
      ]),
    ).toEqual({
      ok: false,
      missing: [],
      mismatched: [
        { partNumber: 2, expectedSize: 5 * MiB, size: 4 * MiB },
        { partNumber: 4, expectedSize: 0, size: 1 },
      ],
    });
  });
});
