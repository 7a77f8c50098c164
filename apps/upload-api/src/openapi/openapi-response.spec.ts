import { expectMatchesOpenApi } from '../../test/support/openapi-response.ts';

const upload = {
  uploadId: '6f1c1d0e-4a4b-4c0e-9d55-8a1f2b3c4d5e',
  state: 'verified',
  reason: null,
  key: 'a1b2c3/images/' + 'ab'.repeat(32) + '.png',
  siteId: '0b9d3c52-6f0e-4f7e-8a43-3c2d1e0f9a8b',
  fileName: 'photo.png',
  contentType: 'image/png',
  detectedContentType: 'image/png',
  size: 1024,
  sha256: 'ab'.repeat(32),
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:05.000Z',
  expiresAt: '2025-01-01T00:15:00.000Z',
  history: [
    { from: null, to: 'pending', reason: null, at: '2025-01-01T00:00:00.000Z' },
    { from: 'pending', to: 'verified', reason: null, at: '2025-01-01T00:00:05.000Z' },
  ],
  renditions: [],
};

describe('expectMatchesOpenApi', () => {
  it('accepts a body that matches the documented response', () => {
    expect(() => expectMatchesOpenApi('GET', '/v1/uploads/{uploadId}', 200, upload)).not.toThrow();
    expect(() =>
      expectMatchesOpenApi('get', `/v1/uploads/${upload.uploadId}`, 200, upload),
    ).not.toThrow();
    expect(() =>
      expectMatchesOpenApi('GET', '/v1/uploads/{uploadId}', 404, {
        error: { code: 'upload_not_found', message: 'Upload x does not exist' },
      }),
    ).not.toThrow();
  });

  it('names what is wrong with a body that does not match', () => {
    const incomplete: Partial<typeof upload> = { ...upload };
    delete incomplete.detectedContentType;
    expect(() =>
      expectMatchesOpenApi('GET', '/v1/uploads/{uploadId}', 200, { ...incomplete, state: 'done' }),
    ).toThrow(/detectedContentType[\s\S]*\/state must be equal to one of the allowed values/);
    expect(() =>
      expectMatchesOpenApi('POST', '/v1/uploads', 429, {
        error: { code: 'unauthorized', message: 'no' },
      }),
    ).toThrow(/\/error\/code/);
  });

  it('refuses a status the document does not list', () => {
    expect(() => expectMatchesOpenApi('GET', '/healthz', 500, {})).toThrow(
      /does not list.*documented: 200/,
    );
  });

  it('refuses an operation the document does not have', () => {
    expect(() =>
      expectMatchesOpenApi('DELETE', '/v1/uploads/{uploadId}/content', 204, undefined),
    ).toThrow(/not an operation/);
  });
});
