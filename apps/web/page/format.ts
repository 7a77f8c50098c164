// Pure helpers of the page (no DOM): unit-tested in src/page-format.spec.ts.

/** What `data-state` may hold: the page's own phases, then the API's states. */
export type RowState =
  | 'queued'
  | 'hashing'
  | 'uploading'
  | 'pending'
  | 'uploaded'
  | 'verified'
  | 'clean'
  | 'ready'
  | 'rejected'
  | 'quarantined'
  | 'expired'
  /** The page or the API refused the file before any upload existed (too large, wrong type). */
  | 'refused'
  /** Sending failed (network, store) or was cancelled before the upload existed. */
  | 'failed';

export const PIPELINE = ['pending', 'uploaded', 'verified', 'clean', 'ready'] as const;
export const FINAL_STATES: readonly RowState[] = [
  'ready',
  'rejected',
  'quarantined',
  'expired',
  'refused',
  'failed',
];

export const STATE_LABELS: Record<RowState, string> = {
  queued: 'Waiting',
  hashing: 'Hashing',
  uploading: 'Sending',
  pending: 'Sent, waiting for the store',
  uploaded: 'In the store',
  verified: 'Verified',
  clean: 'Scanned clean',
  ready: 'Ready',
  rejected: 'Rejected',
  quarantined: 'Quarantined',
  expired: 'Expired',
  refused: 'Refused',
  failed: 'Failed',
};

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 0–100, whole numbers, 100 only when all is done. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  const value = Math.floor((done / total) * 100);
  return Math.max(0, Math.min(done >= total ? 100 : 99, value));
}

const EXTENSION_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  json: 'application/json',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

/** The file's declared type: the browser's, else one guessed from the name (Airlock checks the bytes anyway). */
export function contentTypeOf(file: { readonly name: string; readonly type: string }): string {
  if (file.type) return file.type.split(';')[0]!.trim().toLowerCase();
  const extension = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
  return EXTENSION_TYPES[extension] ?? 'application/octet-stream';
}

/** Short names for the accepted types, for messages. */
export function describeTypes(types: readonly string[]): string {
  const names = new Set(
    types.map((type) =>
      type.startsWith('image/')
        ? 'images'
        : type.startsWith('video/')
          ? 'videos'
          : type === 'application/pdf'
            ? 'PDF'
            : type === 'application/json'
              ? 'JSON'
              : 'text',
    ),
  );
  return [...names].join(', ');
}

export type Limits = {
  readonly maxSize: number | null;
  readonly contentTypes: readonly string[] | null;
};

/** Checked before hashing, from the token's own limits (the API checks them again). */
export function refusalOf(
  file: { readonly name: string; readonly type: string; readonly size: number },
  limits: Limits,
): { code: 'unsupported_type' | 'file_too_large' | 'empty_file'; message: string } | undefined {
  const type = contentTypeOf(file);
  if (limits.contentTypes && !limits.contentTypes.includes(type))
    return {
      code: 'unsupported_type',
      message: `Wrong type: ${type === 'application/octet-stream' ? 'this kind of file' : type} is not accepted here. Accepted: ${describeTypes(limits.contentTypes)}.`,
    };
  if (limits.maxSize !== null && file.size > limits.maxSize)
    return {
      code: 'file_too_large',
      message: `Too large: ${formatBytes(file.size)}, the limit is ${formatBytes(limits.maxSize)}.`,
    };
  if (file.size === 0) return { code: 'empty_file', message: 'This file is empty.' };
  return undefined;
}

/** An API refusal (`{ error: { code, message, details } }`) said plainly. */
export function describeApiError(error: {
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}): string {
  const details = error.details ?? {};
  switch (error.code) {
    case 'file_too_large':
      return typeof details.limit === 'number'
        ? `Too large: the limit for this kind of file is ${formatBytes(details.limit)}.`
        : 'Too large for this kind of file.';
    case 'unsupported_type':
      return Array.isArray(details.allowed)
        ? `Wrong type: accepted are ${describeTypes(details.allowed as string[])}.`
        : 'Wrong type: this kind of file is not accepted.';
    case 'token_exhausted':
      return 'This page has used up its uploads: reload it for a new token.';
    case 'upload_conflict':
      return 'The same content is already being uploaded with another type or size.';
    default:
      return error.message.replace(/^\d{3} [a-z_]+: /, '');
  }
}

const REJECTIONS: Record<string, string> = {
  type_mismatch: 'the content is not of the declared type',
  size_mismatch: 'the stored size differs from the declared size',
  checksum_mismatch: 'the stored bytes differ from the declared SHA-256',
};

/** Why the pipeline stopped an upload, for people. */
export function describeOutcome(
  state: string,
  reason: string | null | undefined,
  processed = false,
): string {
  const why = reason ?? '';
  switch (state) {
    case 'ready':
      return processed
        ? 'Verified, scanned clean, thumbnails made.'
        : 'Verified and scanned clean.';
    case 'quarantined':
      if (why.startsWith('scan_limits_exceeded'))
        return `Quarantined: too large or too deep to scan whole (${why.slice(why.indexOf(':') + 1).trim()}).`;
      if (why.startsWith('encrypted_content'))
        return 'Quarantined: encrypted content cannot be scanned.';
      return `Quarantined: the virus scanner found ${why || 'malware'}.`;
    case 'rejected':
      return `Rejected: ${REJECTIONS[why] ?? (why.replaceAll('_', ' ') || 'the content is not what was declared')}.`;
    case 'expired':
      return why === 'cancelled'
        ? 'Cancelled: nothing was kept.'
        : `Expired${why ? ` (${why})` : ''}.`;
    default:
      return '';
  }
}
