import {
  ALLOWED_TYPES,
  DEFAULT_SIZE_LIMITS,
  findAllowedType,
  MAX_UPLOAD_BYTES,
} from './type-policy.ts';

const MiB = 1024 * 1024;

describe('findAllowedType', () => {
  it.each([
    ['image/jpeg', 'images', 'jpg'],
    ['image/png', 'images', 'png'],
    ['image/tiff', 'images', 'tif'],
    ['application/pdf', 'documents', 'pdf'],
    ['text/plain', 'text', 'txt'],
    ['application/json', 'text', 'json'],
    ['video/mp4', 'video', 'mp4'],
    ['video/webm', 'video', 'webm'],
    ['video/quicktime', 'video', 'mov'],
  ])('maps %s to %s/.%s', (contentType, category, extension) => {
    expect(findAllowedType(contentType)).toEqual({ contentType, category, extension });
  });

  it('ignores case, parameters and surrounding spaces, returning the canonical type', () => {
    expect(findAllowedType('Image/PNG')?.contentType).toBe('image/png');
    expect(findAllowedType('text/plain; charset=utf-8')?.contentType).toBe('text/plain');
    expect(findAllowedType('  TEXT/CSV ;charset=UTF-8')?.contentType).toBe('text/csv');
  });

  it.each([
    '',
    'image/svg+xml',
    'text/html',
    'application/octet-stream',
    'application/x-msdownload',
    'image/jpg',
    'image',
    '; image/png',
    'image/png+xml',
    'video/x-matroska',
    'video/x-m4v',
    'video/3gpp',
  ])('refuses %j', (contentType) => {
    expect(findAllowedType(contentType)).toBeUndefined();
  });
});

describe('ALLOWED_TYPES', () => {
  it('has unique, lower-case content types and extensions', () => {
    const types = ALLOWED_TYPES.map((t) => t.contentType);
    const extensions = ALLOWED_TYPES.map((t) => t.extension);
    expect(new Set(types).size).toBe(types.length);
    expect(new Set(extensions).size).toBe(extensions.length);
    for (const type of ALLOWED_TYPES) {
      expect(type.contentType).toBe(type.contentType.toLowerCase());
      expect(type.extension).toMatch(/^[a-z0-9]+$/);
    }
  });

  it('only uses categories that have a size limit', () => {
    for (const type of ALLOWED_TYPES) {
      expect(DEFAULT_SIZE_LIMITS[type.category]).toBeGreaterThan(0);
    }
  });
});

describe('DEFAULT_SIZE_LIMITS', () => {
  it('caps images at 25 MiB, documents at 100 MiB, text at 10 MiB and video at 1 GiB', () => {
    expect(DEFAULT_SIZE_LIMITS).toEqual({
      images: 25 * MiB,
      documents: 100 * MiB,
      text: 10 * MiB,
      video: 1024 * MiB,
    });
  });

  it('stays within the S3 single-PUT ceiling, 5 GiB', () => {
    expect(MAX_UPLOAD_BYTES).toBe(5 * 1024 * MiB);
    for (const limit of Object.values(DEFAULT_SIZE_LIMITS))
      expect(limit).toBeLessThanOrEqual(MAX_UPLOAD_BYTES);
  });
});
