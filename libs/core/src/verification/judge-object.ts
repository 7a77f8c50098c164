import { findAllowedType } from '../type-policy.ts';

/** What a worker measured by reading every stored byte. */
export type MeasuredObject = {
  readonly size: number;
  readonly sha256Hex: string;
  /** The media type the magic bytes name, if any. */
  readonly detectedMime: string | undefined;
  /** Valid UTF-8 with no NUL byte, start to end. */
  readonly isText: boolean;
};

export type DeclaredObject = {
  readonly size: number;
  readonly sha256: string;
  readonly contentType: string;
};

export type RejectionReason = 'size_mismatch' | 'checksum_mismatch' | 'type_mismatch';

export type Judgement =
  | { readonly verdict: 'verified'; readonly detectedContentType: string }
  | { readonly verdict: 'rejected'; readonly reason: RejectionReason; readonly detail: string };

const reject = (reason: RejectionReason, detail: string): Judgement => ({
  verdict: 'rejected',
  reason,
  detail,
});

/**
 * Claims become facts here: the stored bytes must have the declared size and
 * SHA-256, and their magic bytes must be the declared type. Text types must be
 * text (valid UTF-8, no NUL): a magic-byte match alone does not fail them,
 * since some signatures are two printable bytes (`BM`, `MZ`) a CSV may start with.
 */
export function judgeObject(declared: DeclaredObject, measured: MeasuredObject): Judgement {
  if (measured.size !== declared.size) {
    return reject('size_mismatch', `declared ${declared.size} bytes, stored ${measured.size}`);
  }
  if (measured.sha256Hex !== declared.sha256) {
    return reject(
      'checksum_mismatch',
      `declared sha256 ${declared.sha256}, stored ${measured.sha256Hex}`,
    );
  }
  const type = findAllowedType(declared.contentType);
  if (!type) return reject('type_mismatch', `${declared.contentType} is not an accepted type`);
  if (type.category === 'text') {
    if (!measured.isText) {
      return reject(
        'type_mismatch',
        `declared ${type.contentType}, stored ${measured.detectedMime ?? 'binary data'}`,
      );
    }
    return { verdict: 'verified', detectedContentType: type.contentType };
  }
  if (measured.detectedMime !== type.contentType) {
    return reject(
      'type_mismatch',
      `declared ${type.contentType}, stored ${measured.detectedMime ?? (measured.isText ? 'text' : 'unknown binary')}`,
    );
  }
  return { verdict: 'verified', detectedContentType: measured.detectedMime };
}
