/** An error answer of the Airlock API: `{ error: { code, message, details } }`. */
export class AirlockApiError extends Error {
  override readonly name = 'AirlockApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.details = details;
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
