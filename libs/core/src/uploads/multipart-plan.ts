/**
 * How a file is sent to the store: one presigned PUT, one presigned form POST,
 * or parts (S3 multipart), and for parts the plan the client follows.
 */
import { Errors } from '../errors.ts';

const MiB = 1024 * 1024;

/** S3's smallest part (every part but the last). */
export const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part, and its largest single PUT or form POST. */
export const MAX_SINGLE_REQUEST_BYTES = 5 * 1024 * MiB;
/** S3's most parts per upload. */
export const MAX_PART_COUNT = 10_000;
/** Part URLs asked for in one call. */
export const MAX_PARTS_PER_CALL = 100;

export type MultipartPolicy = {
  /** Declared sizes above this are sent in parts (unless a form POST or `multipart: false`). @defaultValue 100 MiB */
  readonly thresholdBytes: number;
  /** The preferred part size, at least 5 MiB; grown so that no upload needs more than 10,000 parts. @defaultValue 16 MiB */
  readonly partSizeBytes: number;
  /** How long a multipart upload stays resumable (its `expiresAt`). @defaultValue 86400 */
  readonly uploadTtlSeconds: number;
};

export const DEFAULT_MULTIPART_POLICY: MultipartPolicy = {
  thresholdBytes: 100 * MiB,
  partSizeBytes: 16 * MiB,
  uploadTtlSeconds: 24 * 60 * 60,
};

export type UploadMethod = 'PUT' | 'POST' | 'MULTIPART';

export type MethodRequest = {
  readonly size: number;
  /** `true`: parts whatever the size (≥ 5 MiB); `false`: one PUT whatever the size (≤ 5 GiB). */
  readonly multipart?: boolean | undefined;
  /** A presigned POST for an HTML form (≤ 5 GiB). */
  readonly form?: boolean | undefined;
};

const issue = (path: string, message: string) =>
  Errors.invalidRequest(message, { issues: [{ path, message }] });

/**
 * The method for a request, or 400 `invalid_request` (with `details.issues`)
 * for a combination the store cannot take.
 */
export function chooseUploadMethod(request: MethodRequest, policy: MultipartPolicy): UploadMethod {
  if (request.form === true && request.multipart === true) {
    throw issue('form', 'form and multipart cannot be combined: a form POST is one request');
  }
  if (request.form === true) {
    if (request.size > MAX_SINGLE_REQUEST_BYTES) {
      throw issue('size', `a form POST takes at most ${MAX_SINGLE_REQUEST_BYTES} bytes`);
    }
    return 'POST';
  }
  if (request.multipart === true) {
    if (request.size < MIN_PART_SIZE) {
      throw issue('multipart', `multipart needs a size of at least ${MIN_PART_SIZE} bytes`);
    }
    return 'MULTIPART';
  }
  if (request.multipart === false) {
    if (request.size > MAX_SINGLE_REQUEST_BYTES) {
      throw issue('multipart', `a single PUT takes at most ${MAX_SINGLE_REQUEST_BYTES} bytes`);
    }
    return 'PUT';
  }
  return request.size > policy.thresholdBytes || request.size > MAX_SINGLE_REQUEST_BYTES
    ? 'MULTIPART'
    : 'PUT';
}

export type PartPlan = { readonly partSize: number; readonly partCount: number };

/**
 * The preferred part size, grown (in whole MiB) when the file would need more
 * than 10,000 parts.
 */
export function planParts(size: number, preferredPartSize: number): PartPlan {
  let partSize = Math.max(MIN_PART_SIZE, preferredPartSize);
  if (Math.ceil(size / partSize) > MAX_PART_COUNT) {
    partSize = Math.ceil(size / MAX_PART_COUNT / MiB) * MiB;
  }
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** The size part `partNumber` (1-based) must have: `partSize`, except the last. */
export function plannedPartSize(size: number, plan: PartPlan, partNumber: number): number {
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1);
}

export type PartClaim = { readonly partNumber: number; readonly size: number };

/**
 * Issues (as in `details.issues`) for part numbers outside 1..partCount,
 * repeated, or sizes other than the plan's; empty when all are fine.
 */
export function partClaimIssues(
  size: number,
  plan: PartPlan,
  parts: readonly PartClaim[],
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<number>();
  parts.forEach((part, index) => {
    const at = `parts.${index}`;
    if (part.partNumber < 1 || part.partNumber > plan.partCount) {
      issues.push({
        path: `${at}.partNumber`,
        message: `must be between 1 and ${plan.partCount}`,
      });
      return;
    }
    if (seen.has(part.partNumber)) {
      issues.push({ path: `${at}.partNumber`, message: `part ${part.partNumber} is repeated` });
      return;
    }
    seen.add(part.partNumber);
    const expected = plannedPartSize(size, plan, part.partNumber);
    if (part.size !== expected) {
      issues.push({
        path: `${at}.size`,
        message: `part ${part.partNumber} must be ${expected} bytes`,
      });
    }
  });
  return issues;
}

export type StoredPart = {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  /** Base64 SHA-256 the store checked, where it keeps one. */
  readonly checksumSha256?: string | undefined;
};

export type PartsCheck =
  | { readonly ok: true; readonly parts: readonly StoredPart[] }
  | { readonly ok: false; readonly missing: readonly number[] }
  | {
      readonly ok: false;
      readonly missing: readonly [];
      readonly mismatched: readonly { partNumber: number; expectedSize: number; size: number }[];
    };

/**
 * The stored parts against the plan: every planned part present with its
 * planned size (parts beyond the plan count as mismatched), in order.
 */
export function checkStoredParts(
  size: number,
  plan: PartPlan,
  stored: readonly StoredPart[],
): PartsCheck {
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const missing: number[] = [];
  for (let n = 1; n <= plan.partCount; n++) if (!byNumber.has(n)) missing.push(n);
  if (missing.length > 0) return { ok: false, missing };
  const mismatched = stored
    .map((part) => ({
      partNumber: part.partNumber,
      expectedSize:
        part.partNumber <= plan.partCount ? plannedPartSize(size, plan, part.partNumber) : 0,
      size: part.size,
    }))
    .filter((part) => part.size !== part.expectedSize);
  if (mismatched.length > 0) return { ok: false, missing: [], mismatched };
  return {
    ok: true,
    parts: [...stored].sort((a, b) => a.partNumber - b.partNumber),
  };
}
