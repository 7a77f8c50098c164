import { ConfigError } from './parse-env.ts';
import { loadUploadApiConfig } from './upload-api.config.ts';

const base = {
  DATABASE_URL: 'postgres://localhost/airlock',
  FOLDER_SECRET: 's'.repeat(32),
};

const errorOf = (env: Record<string, string>): ConfigError => {
  try {
    loadUploadApiConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadUploadApiConfig: DEDUP_SCOPE', () => {
  it.each([
    ['unset', {}],
    ['empty', { DEDUP_SCOPE: '' }],
    ['customer', { DEDUP_SCOPE: 'customer' }],
  ])('boots when %s: dedup is per customer, with no scope to choose', (_label, env) => {
    const config = loadUploadApiConfig({ ...base, ...env });
    expect(config.uploads).not.toHaveProperty('dedupScope');
    expect(config.uploads.bucket).toBe('uploads');
  });

  it('refuses global at boot, saying why and what to do instead', () => {
    const error = errorOf({ DEDUP_SCOPE: 'global' });
    expect(error.message).toContain('DEDUP_SCOPE: global is no longer supported');
    expect(error.message).toContain('revealed uploads across customers');
    expect(error.message).toContain('let one customer block another');
    expect(error.message).toContain('Dedup is per customer');
  });

  it.each(['Global', 'site', 'none'])('refuses %s, naming customer as the only scope', (value) => {
    expect(errorOf({ DEDUP_SCOPE: value }).message).toContain(
      `DEDUP_SCOPE: expected customer (the only dedup scope), got "${value}"`,
    );
  });
});

describe('loadUploadApiConfig: size limits and the scan limit', () => {
  const MiB = 1024 * 1024;
  const GiB = 1024 * MiB;

  it('defaults video to 1 GiB and caps every category at SCAN_MAX_BYTES', () => {
    const config = loadUploadApiConfig({ ...base, SCAN_MAX_BYTES: String(64 * MiB) });
    expect(config.uploads.sizeLimits).toEqual({
      images: 25 * MiB,
      documents: 64 * MiB,
      text: 10 * MiB,
      video: 64 * MiB,
    });
  });

  it('accepts category limits up to 5 GiB and refuses more at boot', () => {
    const config = loadUploadApiConfig({ ...base, MAX_VIDEO_BYTES: String(5 * GiB) });
    expect(config.uploads.sizeLimits.video).toBe(5 * GiB);
    expect(errorOf({ MAX_DOCUMENT_BYTES: String(5 * GiB + 1) }).message).toContain(
      'MAX_DOCUMENT_BYTES',
    );
  });

  it('refuses a SCAN_MAX_BYTES above what ClamAV scans whole (2 GiB − 3 bytes)', () => {
    expect(loadUploadApiConfig({ ...base, SCAN_MAX_BYTES: '2147483645' }).uploads).toBeDefined();
    expect(errorOf({ SCAN_MAX_BYTES: String(4 * GiB) }).message).toContain(
      'ClamAV scans at most 2147483645 bytes',
    );
  });

  it('lets only the categories in SCAN_OVERSIZE_CATEGORIES past SCAN_MAX_BYTES', () => {
    const config = loadUploadApiConfig({
      ...base,
      SCAN_MAX_BYTES: String(1 * GiB),
      MAX_VIDEO_BYTES: String(5 * GiB),
      MAX_DOCUMENT_BYTES: String(5 * GiB),
      SCAN_OVERSIZE_CATEGORIES: 'video',
    });
    expect(config.uploads.sizeLimits.video).toBe(5 * GiB);
    expect(config.uploads.sizeLimits.documents).toBe(1 * GiB);
  });

  it('refuses unknown categories, and oversize categories without SCAN_MAX_BYTES', () => {
    expect(
      errorOf({ SCAN_MAX_BYTES: '1000', SCAN_OVERSIZE_CATEGORIES: 'movies' }).message,
    ).toContain('unknown category movies');
    expect(errorOf({ SCAN_OVERSIZE_CATEGORIES: 'video' }).message).toContain(
      'SCAN_OVERSIZE_CATEGORIES: needs SCAN_MAX_BYTES',
    );
  });
});
