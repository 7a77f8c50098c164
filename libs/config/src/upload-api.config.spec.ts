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
