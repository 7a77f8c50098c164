import { AppError } from '../errors.ts';
import { DEFAULT_SIZE_LIMITS, findAllowedType } from '../type-policy.ts';
import {
  callerMaySee,
  hashUploadToken,
  issueUploadToken,
  looksLikeUploadToken,
  normalizeOrigin,
  parseUploadToken,
  tokenAllowsOrigin,
  tokenDedupScope,
  tokenUploadRefusal,
  uploadTokenLimits,
  uploadTokenMatches,
} from './upload-token.ts';

const issuesOf = (work: () => unknown): { path: string }[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid_request')
      return (error.details?.['issues'] as { path: string }[]) ?? [];
    throw error;
  }
  throw new Error('expected 400 invalid_request');
};

describe('upload tokens', () => {
  it('are ut_<12 hex>_<32 base64url>, parse to their prefix, are stored as a SHA-256 only', () => {
    const issued = issueUploadToken();
    expect(issued.token).toMatch(/^ut_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(parseUploadToken(issued.token)).toEqual({ prefix: issued.prefix });
    expect(issued.hash.equals(hashUploadToken(issued.token))).toBe(true);
    expect(uploadTokenMatches(issued.token, issued.hash)).toBe(true);
    expect(uploadTokenMatches(`${issued.token.slice(0, -1)}A`, issued.hash)).toBe(false);
    expect(new Set(Array.from({ length: 50 }, () => issueUploadToken().token)).size).toBe(50);
  });

  it('tell tokens from API keys by their prefix; malformed tokens do not parse', () => {
    expect(looksLikeUploadToken('ut_anything')).toBe(true);
    expect(looksLikeUploadToken('ak_123456789012_x')).toBe(false);
    for (const bad of [
      'ut_',
      'ut_ABCDEFABCDEF_' + 'a'.repeat(32),
      'ut_abc_def',
      'ut_0123456789ab_short',
    ])
      expect(parseUploadToken(bad)).toBeUndefined();
  });
});

describe('uploadTokenLimits', () => {
  it('defaults: the allow-list, the category limits, 10 uploads, 900 s, any site origin', () => {
    expect(uploadTokenLimits({ siteId: 's' })).toEqual({
      siteId: 's',
      contentTypes: null,
      maxSize: null,
      maxUploads: 10,
      ttlSeconds: 900,
      origin: null,
    });
  });

  it('canonicalises types and origin, drops repeated types', () => {
    expect(
      uploadTokenLimits({
        siteId: 's',
        contentTypes: ['IMAGE/PNG', 'image/png; charset=x', 'application/pdf'],
        maxSize: 5,
        maxUploads: 1,
        ttlSeconds: 3600,
        origin: 'https://Shop.Example:443/',
      }),
    ).toMatchObject({
      contentTypes: ['image/png', 'application/pdf'],
      maxSize: 5,
      maxUploads: 1,
      ttlSeconds: 3600,
      origin: 'https://shop.example',
    });
  });

  it('refuses, with an issue each: unknown types, an empty list, a lifetime over an hour, a bad origin, a size over every limit', () => {
    expect(
      issuesOf(() =>
        uploadTokenLimits(
          {
            siteId: 's',
            contentTypes: ['text/html'],
            ttlSeconds: 3601,
            maxUploads: 0,
            maxSize: 6 * 1024 ** 3,
            origin: 'https://shop.example/path',
          },
          DEFAULT_SIZE_LIMITS,
        ),
      ).map((issue) => issue.path),
    ).toEqual(['contentTypes.0', 'ttlSeconds', 'maxUploads', 'maxSize', 'origin']);
    expect(issuesOf(() => uploadTokenLimits({ siteId: 's', contentTypes: [] }))).toEqual([
      expect.objectContaining({ path: 'contentTypes' }),
    ]);
    expect(issuesOf(() => uploadTokenLimits({ siteId: 's', ttlSeconds: 0 }))).toHaveLength(1);
  });
});

describe('normalizeOrigin', () => {
  it.each([
    ['https://shop.example', 'https://shop.example'],
    ['https://shop.example/', 'https://shop.example'],
    ['http://localhost:5173', 'http://localhost:5173'],
    ['HTTPS://SHOP.EXAMPLE:443', 'https://shop.example'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('%s is the origin %s', (value, origin) => {
    expect(normalizeOrigin(value)).toBe(origin);
  });

  it.each([
    'null',
    'shop.example',
    'ftp://shop.example',
    'file:///etc/passwd',
    'https://shop.example/app',
    'https://shop.example?x=1',
    'https://shop.example/?',
    'https://shop.example#x',
    'https://user:pw@shop.example',
    'javascript:alert(1)',
  ])('%s is not an origin', (value) => {
    expect(normalizeOrigin(value)).toBeUndefined();
  });
});

describe('tokenUploadRefusal', () => {
  const png = findAllowedType('image/png')!;
  const grant = { siteId: 'site', contentTypes: ['image/png'], maxSize: 100 };

  it('allows its own site, type and size', () => {
    expect(tokenUploadRefusal(grant, { siteId: 'site', type: png, size: 100 })).toBeUndefined();
    expect(
      tokenUploadRefusal(
        { ...grant, contentTypes: null, maxSize: null },
        { siteId: 'site', type: findAllowedType('application/pdf')!, size: 10 ** 9 },
      ),
    ).toBeUndefined();
  });

  it('refuses another site 403, another type 415 naming its list, a larger file 413 naming its limit', () => {
    expect(tokenUploadRefusal(grant, { siteId: 'other', type: png, size: 1 })).toMatchObject({
      code: 'forbidden',
      httpStatus: 403,
    });
    expect(
      tokenUploadRefusal(grant, {
        siteId: 'site',
        type: findAllowedType('application/pdf')!,
        size: 1,
      }),
    ).toMatchObject({ code: 'unsupported_type', details: { allowed: ['image/png'] } });
    expect(tokenUploadRefusal(grant, { siteId: 'site', type: png, size: 101 })).toMatchObject({
      code: 'file_too_large',
      details: { limit: 100, category: 'images' },
    });
  });
});

describe('tokenAllowsOrigin', () => {
  const site = ['https://shop.example', 'http://localhost:5173'];

  it('needs one of the site’s origins, and the token’s own when it set one', () => {
    expect(tokenAllowsOrigin({ origin: null, siteOrigins: site }, 'https://shop.example')).toBe(
      true,
    );
    expect(tokenAllowsOrigin({ origin: null, siteOrigins: site }, 'https://evil.example')).toBe(
      false,
    );
    expect(tokenAllowsOrigin({ origin: null, siteOrigins: [] }, 'https://shop.example')).toBe(
      false,
    );
    expect(
      tokenAllowsOrigin(
        { origin: 'http://localhost:5173', siteOrigins: site },
        'https://shop.example',
      ),
    ).toBe(false);
    expect(
      tokenAllowsOrigin(
        { origin: 'http://localhost:5173', siteOrigins: site },
        'http://localhost:5173',
      ),
    ).toBe(true);
    // A token's origin the site no longer allows is refused too.
    expect(
      tokenAllowsOrigin(
        { origin: 'https://gone.example', siteOrigins: site },
        'https://gone.example',
      ),
    ).toBe(false);
    expect(tokenAllowsOrigin({ origin: null, siteOrigins: site }, 'null')).toBe(false);
  });
});

describe('callerMaySee', () => {
  const byKey = { customerId: 'c', uploadTokenId: null };
  const byToken = { customerId: 'c', uploadTokenId: 't1' };

  it('an API key sees its customer’s uploads, its tokens’ included; nobody else’s', () => {
    expect(callerMaySee({ customerId: 'c' }, byKey)).toBe(true);
    expect(callerMaySee({ customerId: 'c' }, byToken)).toBe(true);
    expect(callerMaySee({ customerId: 'other' }, byKey)).toBe(false);
  });

  it('a token sees only the uploads it created', () => {
    expect(callerMaySee({ customerId: 'c', uploadTokenId: 't1' }, byToken)).toBe(true);
    expect(callerMaySee({ customerId: 'c', uploadTokenId: 't2' }, byToken)).toBe(false);
    expect(callerMaySee({ customerId: 'c', uploadTokenId: 't1' }, byKey)).toBe(false);
    expect(callerMaySee({ customerId: 'other', uploadTokenId: 't1' }, byToken)).toBe(false);
  });

  it('scopes a token’s dedup inside its customer’s', () => {
    expect(tokenDedupScope('c', 't1')).toBe('customer:c:token:t1');
  });
});
