import { unsignedMetadata } from './object-metadata.ts';

describe('unsignedMetadata', () => {
  it('accepts an object that carries only the signed type', () => {
    expect(unsignedMetadata('image/png', { contentType: 'image/png', userMetadata: {} })).toEqual(
      [],
    );
    expect(unsignedMetadata('text/plain', { contentType: 'text/plain; charset=utf-8' })).toEqual(
      [],
    );
    expect(unsignedMetadata('image/png', {})).toEqual([]);
  });

  it('names every header nobody signed', () => {
    expect(
      unsignedMetadata('text/plain', {
        contentType: 'text/html',
        cacheControl: 'public, max-age=31536000',
        contentDisposition: 'inline',
        contentEncoding: 'gzip',
        contentLanguage: 'en',
        expires: 'Thu, 01 Jan 2099 00:00:00 GMT',
        websiteRedirectLocation: 'https://evil.example/',
        userMetadata: { Zeta: '1', alpha: '2' },
      }),
    ).toEqual([
      'content-type',
      'cache-control',
      'content-disposition',
      'content-encoding',
      'content-language',
      'expires',
      'x-amz-website-redirect-location',
      'x-amz-meta-alpha',
      'x-amz-meta-zeta',
    ]);
  });

  it('treats an empty header as absent', () => {
    expect(unsignedMetadata('image/png', { cacheControl: '', contentEncoding: '' })).toEqual([]);
  });
});
