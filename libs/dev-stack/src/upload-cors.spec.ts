import { S3CorsConfiguration } from '@20minutes/s3rver/lib/models/config.js';
import { actualRequestHeaders, preflight, rulesOf } from './s3-cors.ts';
import {
  corsConfigurationXml,
  DEFAULT_DEV_CORS_ORIGINS,
  parseCorsOrigins,
  uploadCorsRule,
} from './upload-cors.ts';

describe('AIRLOCK_DEV_CORS_ORIGINS', () => {
  it('defaults to the loopback names on any port', () => {
    expect(parseCorsOrigins(undefined)).toEqual([
      'http://127.0.0.1:*',
      'http://localhost:*',
      'http://[::1]:*',
    ]);
  });

  it('takes a comma-separated list, spaces and empty items ignored', () => {
    expect(parseCorsOrigins(' https://app.example.com, ,http://localhost:5173 ')).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it('empty means no origin, and then no rule at all', () => {
    expect(parseCorsOrigins('')).toEqual([]);
    expect(parseCorsOrigins(' , ')).toEqual([]);
    expect(uploadCorsRule(parseCorsOrigins(''))).toBeUndefined();
  });

  it.each(['localhost:5173', 'http://localhost:5173/', 'http://*.a.*', 'ftp://x', '*'])(
    'refuses %s, which S3 would not take as an origin pattern',
    (value) => {
      expect(() => parseCorsOrigins(value)).toThrow(/AIRLOCK_DEV_CORS_ORIGINS/);
    },
  );
});

describe('the uploads bucket rule', () => {
  it('is the deployed rule (infra/src/storage.ts) for the given origins', () => {
    expect(uploadCorsRule(['https://app.example.com'])).toEqual({
      allowedOrigins: ['https://app.example.com'],
      allowedMethods: ['PUT', 'POST'],
      allowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
      exposedHeaders: ['ETag'],
      maxAgeSeconds: 3600,
    });
  });

  it('is valid S3 CORS XML that reads back as the same rule', () => {
    const rule = uploadCorsRule([...DEFAULT_DEV_CORS_ORIGINS])!;
    const stored = S3CorsConfiguration.validate(corsConfigurationXml(rule));
    expect(rulesOf(stored.rawConfig)).toEqual([rule]);
  });

  it('escapes what XML would misread', () => {
    const xml = corsConfigurationXml({ ...uploadCorsRule(['http://a&b'])! });
    expect(xml).toContain('<AllowedOrigin>http://a&amp;b</AllowedOrigin>');
  });

  const rules = rulesOf(
    S3CorsConfiguration.validate(
      corsConfigurationXml(uploadCorsRule([...DEFAULT_DEV_CORS_ORIGINS])!),
    ).rawConfig,
  );

  it.each(['http://127.0.0.1:4173', 'http://localhost:5173', 'http://[::1]:8080'])(
    'admits the loopback page %s, for a PUT carrying the signed headers',
    (origin) => {
      expect(
        preflight(rules, {
          origin,
          requestMethod: 'PUT',
          requestHeaders: 'content-type,x-amz-checksum-sha256',
        }),
      ).toEqual({
        ok: true,
        headers: {
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Methods': 'PUT, POST',
          'Access-Control-Allow-Headers': 'content-type, x-amz-checksum-sha256',
          'Access-Control-Expose-Headers': 'ETag',
          'Access-Control-Max-Age': '3600',
          'Access-Control-Allow-Credentials': 'true',
          Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
        },
      });
    },
  );

  it.each([
    ['another origin', 'https://evil.example', 'PUT', 'content-type'],
    ['a loopback look-alike', 'http://localhost.evil.example:80', 'PUT', ''],
    ['https on loopback (not listed)', 'https://localhost:5173', 'PUT', ''],
    ['GET', 'http://localhost:5173', 'GET', ''],
    ['DELETE', 'http://localhost:5173', 'DELETE', ''],
    ['an unsigned header', 'http://localhost:5173', 'PUT', 'content-type, x-amz-meta-owner'],
    ['Content-Length asked for', 'http://localhost:5173', 'PUT', 'content-length'],
  ])('refuses %s (403)', (_name, origin, requestMethod, requestHeaders) => {
    expect(preflight(rules, { origin, requestMethod, requestHeaders })).toMatchObject({
      ok: false,
      status: 403,
      code: 'CORSResponse',
    });
  });

  it('answers a bucket without CORS 403, a preflight without Origin or method 400', () => {
    const request = { origin: 'http://localhost:1', requestMethod: 'PUT', requestHeaders: '' };
    expect(preflight(undefined, request)).toMatchObject({
      ok: false,
      status: 403,
      message: 'CORS is not enabled for this bucket.',
    });
    expect(preflight(rules, { ...request, origin: undefined })).toMatchObject({ status: 400 });
    expect(preflight(rules, { ...request, requestMethod: undefined })).toMatchObject({
      status: 400,
    });
  });

  it('grants actual PUTs and POSTs from admitted origins only', () => {
    expect(actualRequestHeaders(rules, { origin: 'http://localhost:3000', method: 'PUT' })).toEqual(
      {
        'Access-Control-Allow-Origin': 'http://localhost:3000',
        'Access-Control-Allow-Methods': 'PUT, POST',
        'Access-Control-Expose-Headers': 'ETag',
        'Access-Control-Max-Age': '3600',
        'Access-Control-Allow-Credentials': 'true',
        Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
      },
    );
    expect(actualRequestHeaders(rules, { origin: 'http://127.0.0.1:9', method: 'POST' })).toEqual(
      expect.objectContaining({ 'Access-Control-Allow-Origin': 'http://127.0.0.1:9' }),
    );
    expect(actualRequestHeaders(rules, { origin: 'https://evil.example', method: 'PUT' })).toBe(
      undefined,
    );
    expect(actualRequestHeaders(rules, { origin: 'http://localhost:3000', method: 'GET' })).toBe(
      undefined,
    );
    expect(actualRequestHeaders(rules, { origin: undefined, method: 'PUT' })).toBeUndefined();
    expect(
      actualRequestHeaders(undefined, { origin: 'http://localhost:3000', method: 'PUT' }),
    ).toBe(undefined);
  });

  it('answers * without credentials for a rule open to every origin', () => {
    const open = [{ ...rules[0]!, allowedOrigins: ['*'] }];
    expect(
      preflight(open, { origin: 'https://a.example', requestMethod: 'PUT', requestHeaders: '' }),
    ).toEqual({
      ok: true,
      headers: expect.objectContaining({ 'Access-Control-Allow-Origin': '*' }),
    });
    expect(
      actualRequestHeaders(open, { origin: 'https://a.example', method: 'PUT' }),
    ).not.toHaveProperty('Access-Control-Allow-Credentials');
  });
});
