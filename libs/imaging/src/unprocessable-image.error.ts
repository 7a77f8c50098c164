/**
 * The bytes are not an image this worker will render: malformed or truncated,
 * past a limit (pixels, bytes, time), or of a format whose decoder is blocked.
 * A verdict on the input, so retrying cannot help; infrastructure errors (a
 * stream that breaks while it is read) are never turned into this.
 */
export class UnprocessableImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnprocessableImageError';
  }
}
