import { AirlockApiError, AirlockStorageError } from '../errors.ts';

/**
 * Pure mapping between Airlock's answers and what Uppy shows: progress
 * steps, the postprocessing message of each upload state, errors worded for
 * Uppy's informer and file list, and restrictions from an upload token.
 */

/** States an upload never leaves. Only `ready` is a success. */
export const TERMINAL_STATES = ['ready', 'rejected', 'quarantined', 'expired'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export function isTerminal(state: string): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** What Uppy shows while the workers check a file the store already holds. */
export function stateMessage(state: string): string {
  switch (state) {
    case 'pending':
      return 'Storing';
    case 'uploaded':
      return 'Verifying';
    case 'verified':
      return 'Scanning for malware';
    case 'clean':
      return 'Making previews';
    default:
      return 'Processing';
  }
}

/** The client's progress as it arrives (only the fields the mapping reads). */
export type ClientProgress = {
  readonly phase: string;
  readonly bytesHashed: number;
  readonly bytesConfirmed: number;
  readonly totalBytes: number;
  /** Bytes handed to the network so far, when the client reports them (finer than confirmed parts). */
  readonly bytesSent?: number;
};

export type ProgressStep =
  /** Uppy's `preprocess-progress` (determinate, 0 to 1). */
  | { readonly kind: 'hashing'; readonly value: number }
  /** Uppy's `upload-progress`. */
  | { readonly kind: 'sending'; readonly bytesUploaded: number; readonly bytesTotal: number };

/**
 * Hashing (the whole-file SHA-256 is declared before any byte is sent) is
 * Uppy's preprocessing; sending is its upload progress, never above the total.
 */
export function progressStep(progress: ClientProgress): ProgressStep {
  const total = progress.totalBytes;
  if (progress.phase === 'hashing')
    return { kind: 'hashing', value: total > 0 ? Math.min(1, progress.bytesHashed / total) : 1 };
  const done = progress.phase === 'done' ? total : (progress.bytesSent ?? progress.bytesConfirmed);
  return {
    kind: 'sending',
    bytesUploaded: Math.max(0, Math.min(total, done)),
    bytesTotal: total,
  };
}

/** An upload Airlock refused, or a file it did not admit: what Uppy's `upload-error` carries. */
export class AirlockUppyError extends Error {
  override readonly name = 'AirlockUppyError';
  /** The API's error code (`file_too_large`, `unsupported_type`, …) or the terminal state. */
  readonly code: string;
  /** The HTTP status of a refusal by the API or the store. */
  readonly status: number | undefined;
  readonly uploadId: string | undefined;
  /** `rejected`, `quarantined` or `expired` when the workers refused the stored bytes. */
  readonly state: string | undefined;
  /** The refusal's reason: a rejection reason or the malware signature. */
  readonly reason: string | undefined;

  constructor(
    message: string,
    fields: {
      code: string;
      status?: number | undefined;
      uploadId?: string | undefined;
      state?: string | undefined;
      reason?: string | undefined;
    },
  ) {
    super(message);
    this.code = fields.code;
    this.status = fields.status;
    this.uploadId = fields.uploadId;
    this.state = fields.state;
    this.reason = fields.reason;
  }
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** A terminal state other than `ready`, as the error Uppy shows; `undefined` for ready. */
export function refusalOf(status: {
  readonly uploadId: string;
  readonly state: string;
  readonly reason?: string | null | undefined;
}): AirlockUppyError | undefined {
  const reason = status.reason ?? undefined;
  const fields = { code: status.state, uploadId: status.uploadId, state: status.state, reason };
  switch (status.state) {
    case 'ready':
      return undefined;
    case 'quarantined':
      return new AirlockUppyError(
        `Malware found${reason ? ` (${reason})` : ''}: the file was quarantined`,
        fields,
      );
    case 'rejected':
      return new AirlockUppyError(
        `The file was rejected${reason ? `: ${reason.replaceAll('_', ' ')}` : ''}`,
        fields,
      );
    case 'expired':
      return new AirlockUppyError(
        reason === 'cancelled'
          ? 'The upload was cancelled'
          : 'The upload expired before the file arrived',
        fields,
      );
    default:
      return new AirlockUppyError(`The upload ended as ${status.state}`, fields);
  }
}

/** Any failure of an upload, worded for Uppy's file list and informer. */
export function uppyErrorOf(error: unknown, uploadId?: string): AirlockUppyError {
  if (error instanceof AirlockUppyError) return error;
  if (error instanceof AirlockApiError) {
    const fields = { code: error.code, status: error.status, uploadId };
    const { details } = error;
    switch (error.code) {
      case 'file_too_large': {
        const limit = typeof details.limit === 'number' ? details.limit : undefined;
        return new AirlockUppyError(
          limit === undefined
            ? 'This file is too large'
            : `This file is larger than ${formatBytes(limit)}`,
          fields,
        );
      }
      case 'unsupported_type': {
        const allowed = Array.isArray(details.allowed) ? details.allowed.map(String) : [];
        return new AirlockUppyError(
          `This type of file is not accepted${allowed.length ? ` (accepted: ${allowed.join(', ')})` : ''}`,
          fields,
        );
      }
      case 'token_exhausted':
        return new AirlockUppyError('No more uploads are allowed on this page', fields);
      case 'unauthorized':
        return new AirlockUppyError('The upload permission expired: reload the page', fields);
      case 'rate_limited':
        return new AirlockUppyError('Too many uploads at once: try again in a moment', fields);
      case 'upload_conflict':
        return new AirlockUppyError(
          'The same content was already sent with another type or size',
          fields,
        );
      default:
        return new AirlockUppyError(error.message, fields);
    }
  }
  if (error instanceof AirlockStorageError)
    return new AirlockUppyError(`The storage refused the file (${error.message})`, {
      code: 'storage_error',
      status: error.status,
      uploadId,
    });
  const message = error instanceof Error ? error.message : String(error);
  return new AirlockUppyError(message || 'The upload failed', { code: 'upload_failed', uploadId });
}

/** What an upload token grants, as `POST /v1/upload-tokens` answers it. */
export type TokenGrant = {
  readonly contentTypes?: readonly string[] | null;
  readonly maxSize?: number | null;
  readonly maxUploads?: number | null;
};

/**
 * Uppy restrictions matching a token, so Uppy refuses a file when it is added
 * (its own restriction message) instead of after hashing. The API enforces the
 * same limits anyway. `maxUploads` is left out: a retried file counts again.
 */
export function restrictionsFromGrant(grant: TokenGrant): {
  maxFileSize: number | null;
  allowedFileTypes: string[] | null;
} {
  return {
    maxFileSize: grant.maxSize ?? null,
    allowedFileTypes: grant.contentTypes?.length ? [...grant.contentTypes] : null,
  };
}
