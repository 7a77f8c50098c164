/**
 * Every failure a client can see, with its HTTP status. Adapters translate
 * vendor errors into these; one middleware renders them.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  token_exhausted: 403,
  not_found: 404,
  site_not_found: 404,
  upload_not_found: 404,
  upload_in_progress: 409,
  upload_conflict: 409,
  upload_not_servable: 409,
  upload_not_pending: 409,
  upload_not_multipart: 409,
  upload_method_conflict: 409,
  parts_missing: 409,
  parts_mismatch: 409,
  rendition_not_found: 404,
  webhook_not_found: 404,
  upload_token_not_found: 404,
  file_too_large: 413,
  unsupported_type: 415,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = ERROR_STATUS[code];
    this.details = details;
  }
}

export const Errors = {
  invalidRequest: (message: string, details?: Record<string, unknown>) =>
    new AppError('invalid_request', message, details),
  unauthorized: (message = 'A valid API key is required: Authorization: Bearer <key>') =>
    new AppError('unauthorized', message),
  forbidden: (message: string) => new AppError('forbidden', message),
  routeNotFound: (method: string, path: string) =>
    new AppError('not_found', `No route for ${method} ${path}`),
  siteNotFound: (siteId: string) => new AppError('site_not_found', `Site ${siteId} does not exist`),
  uploadNotFound: (uploadId: string) =>
    new AppError('upload_not_found', `Upload ${uploadId} does not exist`),
  uploadInProgress: (uploadId?: string) =>
    new AppError(
      'upload_in_progress',
      'Content with this SHA-256 is already on its way; poll the upload, or retry later',
      uploadId ? { uploadId } : undefined,
    ),
  /** Names no upload: a hash is not a read handle. */
  uploadConflict: () =>
    new AppError(
      'upload_conflict',
      'Content with this SHA-256 was already declared with another type or size',
    ),
  uploadNotServable: (uploadId: string, state: string) =>
    new AppError(
      'upload_not_servable',
      `Upload ${uploadId} is ${state}: only clean content is served`,
      {
        state,
      },
    ),
  /** Parts, completion or cancel asked of an upload that left `pending`. */
  uploadNotPending: (uploadId: string, state: string) =>
    new AppError('upload_not_pending', `Upload ${uploadId} is ${state}, no longer pending`, {
      state,
    }),
  uploadNotMultipart: (uploadId: string) =>
    new AppError('upload_not_multipart', `Upload ${uploadId} is sent in one request, not in parts`),
  /** The content's pending upload is multipart and the request wants one form POST. */
  uploadMethodConflict: (uploadId: string, method: string) =>
    new AppError(
      'upload_method_conflict',
      `The pending upload of this content is ${method}: continue it, or cancel it first`,
      { uploadId, method },
    ),
  partsMissing: (missing: readonly number[]) =>
    new AppError(
      'parts_missing',
      `${missing.length} part(s) not uploaded yet: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
      { missing },
    ),
  partsMismatch: (parts: readonly { partNumber: number; expectedSize: number; size: number }[]) =>
    new AppError('parts_mismatch', `${parts.length} stored part(s) differ from the plan`, {
      parts,
    }),
  renditionNotFound: (name: string, available: readonly string[]) =>
    new AppError('rendition_not_found', `No rendition named ${name}`, { available }),
  uploadTokenNotFound: (tokenId: string) =>
    new AppError('upload_token_not_found', `No live upload token ${tokenId}`),
  webhookNotFound: () =>
    new AppError('webhook_not_found', 'No webhook is registered for this customer'),
  fileTooLarge: (size: number, limit: number, category: string) =>
    new AppError(
      'file_too_large',
      `${size} bytes exceeds the ${limit}-byte limit for ${category}`,
      { limit, category },
    ),
  unsupportedType: (contentType: string, allowed: readonly string[]) =>
    new AppError('unsupported_type', `Content type ${contentType} is not accepted`, { allowed }),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 'Too many requests for this API key', { retryAfterSeconds }),
  unavailable: (what: string) => new AppError('unavailable', `${what} is unavailable`),
  internal: () => new AppError('internal_error', 'Internal error'),
};
