import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

// An operator's API: clamd scans 64 MiB whole, videos are opted in past it
// (accepted up to 5 GiB, never called clean), documents are not.
const harness = new ApiHarness({
  RATE_LIMIT_PER_MINUTE: '1000',
  SCAN_MAX_BYTES: String(64 * MiB),
  MAX_DOCUMENT_BYTES: String(5 * GiB),
  MAX_VIDEO_BYTES: String(5 * GiB),
  SCAN_OVERSIZE_CATEGORIES: 'video',
});
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(() => harness.stop());

let n = 0;
const declare = (contentType: string, size: number) =>
  harness.request('POST', '/v1/uploads', {
    apiKey: tenant.apiKey,
    body: {
      siteId: tenant.siteId,
      fileName: `f${++n}`,
      contentType,
      size,
      sha256: (n.toString(16) + 'a'.repeat(64)).slice(0, 64),
    },
  });

describe('category size limits and the scan limit', () => {
  it('413 for a document above what clamd scans whole, naming the limit and the category', async () => {
    const response = await declare('application/pdf', 64 * MiB + 1);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({
      code: 'file_too_large',
      details: { limit: 64 * MiB, category: 'documents' },
    });
    expectMatchesOpenApi('post', '/v1/uploads', 413, response.body);
    expect((await declare('application/pdf', 64 * MiB)).status).toBe(201);
  });

  it('accepts a video opted in past the scan limit, up to its own limit of 5 GiB', async () => {
    const accepted = await declare('video/mp4', 5 * GiB);
    expect(accepted.status).toBe(201);
    expect(accepted.body.state).toBe('pending');
    const refused = await declare('video/webm', 5 * GiB + 1);
    expect(refused.status).toBe(413);
    expect(refused.body.error.details).toEqual({ limit: 5 * GiB, category: 'video' });
  });

  it('refuses a boot with a category limit above 5 GiB or a scan limit ClamAV cannot honour', () => {
    expect(() => new ApiHarness({ MAX_VIDEO_BYTES: String(5 * GiB + 1) })).toThrow(
      /MAX_VIDEO_BYTES/,
    );
    expect(() => new ApiHarness({ SCAN_MAX_BYTES: String(4 * GiB) })).toThrow(
      /ClamAV scans at most 2147483645 bytes/,
    );
  });
});
