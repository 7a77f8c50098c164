import {
  contentSecurityPolicy,
  DEMO_CONTENT_TYPES,
  loadWebSettings,
  ownOrigins,
} from './settings.ts';

const base = {
  AIRLOCK_API_URL: 'http://127.0.0.1:4600/',
  AIRLOCK_WEB_SITE_ID: '5d2f4c9e-1111-4222-8333-944445555666',
  AIRLOCK_WEB_API_KEY: 'ak_test',
};

describe('loadWebSettings', () => {
  it('reads the stack-provided environment, with demo token limits by default', () => {
    const settings = loadWebSettings({
      ...base,
      PORT: '4620',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
    });
    expect(settings).toMatchObject({
      host: '127.0.0.1',
      port: 4620,
      apiUrl: 'http://127.0.0.1:4600',
      siteId: base.AIRLOCK_WEB_SITE_ID,
      apiKey: 'ak_test',
      storageUrl: 'http://127.0.0.1:4569',
      token: {
        ttlSeconds: 1800,
        maxUploads: 100,
        maxSize: 100 * 1024 * 1024,
        contentTypes: DEMO_CONTENT_TYPES,
      },
    });
  });

  it('takes token limits from AIRLOCK_WEB_* and refuses nonsense', () => {
    const settings = loadWebSettings({
      ...base,
      AIRLOCK_WEB_TOKEN_TTL_SECONDS: '600',
      AIRLOCK_WEB_TOKEN_MAX_UPLOADS: '5',
      AIRLOCK_WEB_MAX_BYTES: '1048576',
    });
    expect(settings.token).toMatchObject({ ttlSeconds: 600, maxUploads: 5, maxSize: 1048576 });
    expect(() => loadWebSettings({ ...base, AIRLOCK_WEB_MAX_BYTES: '-1' })).toThrow(
      'AIRLOCK_WEB_MAX_BYTES must be a positive integer',
    );
    expect(() => loadWebSettings({ ...base, AIRLOCK_WEB_API_KEY: '' })).toThrow(
      'AIRLOCK_WEB_API_KEY is required',
    );
  });
});

describe('ownOrigins', () => {
  it('is the bound origin, plus localhost on loopback', () => {
    expect(ownOrigins('127.0.0.1', 4620)).toEqual([
      'http://127.0.0.1:4620',
      'http://localhost:4620',
    ]);
    expect(ownOrigins('10.0.0.5', 8080)).toEqual(['http://10.0.0.5:8080']);
  });
});

describe('contentSecurityPolicy', () => {
  it('lets the page reach only itself, the API and the store, and run only its own scripts', () => {
    const policy = contentSecurityPolicy('http://127.0.0.1:4600', 'http://127.0.0.1:4569/');
    expect(policy.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "worker-src 'self'",
      "style-src 'self'",
      "connect-src 'self' http://127.0.0.1:4600 http://127.0.0.1:4569",
      "img-src 'self' data: blob: http://127.0.0.1:4569",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
    expect(contentSecurityPolicy('https://api.example.com', undefined)).toContain(
      "connect-src 'self' https://api.example.com;",
    );
  });
});
