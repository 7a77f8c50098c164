/** An error answer of the Airlock API: `{ error: { code, message, details } }`. */
export class AirlockApiError extends Error {
  override readonly name = 'AirlockApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** The answer's `Retry-After` (seconds), e.g. on 429 and 409 `upload_in_progress`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    retryAfterSeconds?: number,
  ) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The upload did not reach a terminal state within the polling policy's `timeoutMs`. */
export class AirlockTimeoutError extends Error {
  override readonly name = 'AirlockTimeoutError';
  readonly uploadId: string;
  /** The last state seen. */
  readonly state: string;

  constructor(uploadId: string, state: string, timeoutMs: number) {
    super(`upload ${uploadId} is still ${state} after ${Math.round(timeoutMs / 1000)} s`);
    this.uploadId = uploadId;
    this.state = state;
  }
}

/** The store refused or kept failing a part (or a single PUT). */
export class AirlockStorageError extends Error {
  override readonly name = 'AirlockStorageError';
  readonly status: number | undefined;
  readonly partNumber: number | undefined;

  constructor(message: string, status: number | undefined, partNumber: number | undefined) {
    super(message);
    this.status = status;
    this.partNumber = partNumber;
  }
}
