import { AppError, ERROR_STATUS, Errors, type ErrorCode } from './errors.ts';

describe('ERROR_STATUS', () => {
  it.each<[ErrorCode, number]>([
    ['invalid_request', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['token_exhausted', 403],
    ['not_found', 404],
    ['site_not_found', 404],
    ['upload_not_found', 404],
    ['upload_in_progress', 409],
    ['upload_conflict', 409],
    ['upload_not_servable', 409],
    ['upload_not_pending', 409],
    ['upload_not_multipart', 409],
    ['upload_method_conflict', 409],
    ['parts_missing', 409],
    ['parts_mismatch', 409],
    ['rendition_not_found', 404],
    ['webhook_not_found', 404],
    ['upload_token_not_found', 404],
    ['file_too_large', 413],
    ['unsupported_type', 415],
    ['rate_limited', 429],
    ['internal_error', 500],
    ['unavailable', 503],
  ])('%s is HTTP %i', (code, status) => {
    expect(ERROR_STATUS[code]).toBe(status);
    expect(new AppError(code, 'x').httpStatus).toBe(status);
  });

  it('has no code without a test above', () => {
    expect(Object.keys(ERROR_STATUS)).toHaveLength(23);
  });
});

describe('AppError', () => {
  it('is an Error carrying code, status, message and details', () => {
    const error = new AppError('upload_conflict', 'boom', { uploadId: 'u1' });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(AppError);
    expect(error.name).toBe('AppError');
    expect(error.message).toBe('boom');
    expect(error.code).toBe('upload_conflict');
    expect(error.httpStatus).toBe(409);
    expect(error.details).toEqual({ uploadId: 'u1' });
  });

  it('has undefined details when none are given', () => {
    expect(new AppError('internal_error', 'x').details).toBeUndefined();
  });
});

describe('Errors', () => {
  it.each<[string, AppError, ErrorCode, number]>([
    ['invalidRequest', Errors.invalidRequest('bad', { field: 'size' }), 'invalid_request', 400],
    ['unauthorized', Errors.unauthorized(), 'unauthorized', 401],
    ['forbidden', Errors.forbidden('no'), 'forbidden', 403],
    ['routeNotFound', Errors.routeNotFound('GET', '/x'), 'not_found', 404],
    ['siteNotFound', Errors.siteNotFound('s1'), 'site_not_found', 404],
    ['uploadNotFound', Errors.uploadNotFound('u1'), 'upload_not_found', 404],
    ['uploadInProgress', Errors.uploadInProgress('u1'), 'upload_in_progress', 409],
    ['uploadConflict', Errors.uploadConflict(), 'upload_conflict', 409],
    ['fileTooLarge', Errors.fileTooLarge(11, 10, 'images'), 'file_too_large', 413],
    [
      'unsupportedType',
      Errors.unsupportedType('text/html', ['text/plain']),
      'unsupported_type',
      415,
    ],
    ['rateLimited', Errors.rateLimited(30), 'rate_limited', 429],
    ['unavailable', Errors.unavailable('Database'), 'unavailable', 503],
    ['internal', Errors.internal(), 'internal_error', 500],
  ])('%s is %s (%i)', (_name, error, code, status) => {
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe(code);
    expect(error.httpStatus).toBe(status);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('carries the details a client needs to act', () => {
    expect(Errors.invalidRequest('bad', { field: 'size' }).details).toEqual({ field: 'size' });
    expect(Errors.uploadInProgress('u1').details).toEqual({ uploadId: 'u1' });
    // A conflict names no upload: a hash alone is not a read handle.
    expect(Errors.uploadConflict().details).toBeUndefined();
    expect(Errors.fileTooLarge(11, 10, 'images').details).toEqual({
      limit: 10,
      category: 'images',
    });
    expect(Errors.unsupportedType('text/html', ['text/plain']).details).toEqual({
      allowed: ['text/plain'],
    });
    expect(Errors.rateLimited(30).details).toEqual({ retryAfterSeconds: 30 });
    expect(Errors.partsMissing([2, 5]).details).toEqual({ missing: [2, 5] });
    expect(Errors.uploadNotPending('u1', 'ready').details).toEqual({ state: 'ready' });
    expect(Errors.uploadMethodConflict('u1', 'MULTIPART').details).toEqual({
      uploadId: 'u1',
      method: 'MULTIPART',
    });
  });

  it('names what failed in the message', () => {
    expect(Errors.routeNotFound('GET', '/x').message).toBe('No route for GET /x');
    expect(Errors.siteNotFound('s1').message).toContain('s1');
    expect(Errors.uploadNotFound('u1').message).toContain('u1');
    expect(Errors.fileTooLarge(11, 10, 'images').message).toBe(
      '11 bytes exceeds the 10-byte limit for images',
    );
    expect(Errors.unsupportedType('text/html', []).message).toContain('text/html');
    expect(Errors.unavailable('Database').message).toBe('Database is unavailable');
  });

  it('tells an unauthenticated client how to authenticate, unless told otherwise', () => {
    expect(Errors.unauthorized().message).toContain('Authorization: Bearer');
    expect(Errors.unauthorized('Key revoked').message).toBe('Key revoked');
  });

  it('does not leak internals in internal errors', () => {
    const error = Errors.internal();
    expect(error.message).toBe('Internal error');
    expect(error.details).toBeUndefined();
  });
});
