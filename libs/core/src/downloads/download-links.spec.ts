import type { Upload, UploadState } from '../index.ts';
import type { Rendition } from '../workers/worker.ports.ts';
import { createDownloadLinks } from './download-links.ts';

const upload = (state: UploadState): Upload =>
  ({
    id: 'u1',
    state,
    bucket: 'uploads',
    key: 'f/images/abc.png',
    declaredContentType: 'image/png',
    detectedContentType: 'image/png',
    originalName: 'cat.png',
    versionId: 'v-verified',
  }) as Upload;

const rendition: Rendition = {
  name: 'w256-webp',
  format: 'webp',
  width: 256,
  height: 200,
  size: 9,
  bucket: 'processed',
  key: 'f/r/w256.webp',
};

function setup() {
  const signed: unknown[] = [];
  const links = createDownloadLinks(
    {
      signer: {
        presignGet: async (request) => (
          signed.push(request),
          { url: `https://signed/${request.key}` }
        ),
      },
      renditions: { forUpload: async () => [rendition] },
      now: () => new Date('2026-01-01T00:00:00Z'),
    },
    { expiresInSeconds: 300 },
  );
  return { links, signed };
}

describe('createDownloadLinks', () => {
  it.each<UploadState>(['pending', 'uploaded', 'verified', 'rejected', 'quarantined', 'expired'])(
    'signs nothing for a %s upload',
    async (state) => {
      const { links, signed } = setup();
      expect((await links.describe(upload(state))).downloads).toBeUndefined();
      await expect(links.contentUrl(upload(state))).rejects.toMatchObject({
        code: 'upload_not_servable',
      });
      expect(signed).toHaveLength(0);
    },
  );

  it('signs the original as an attachment of its detected type, and each rendition', async () => {
    const { links, signed } = setup();
    const { downloads, renditions } = await links.describe(upload('ready'));
    expect(renditions).toEqual([rendition]);
    expect(downloads).toEqual({
      expiresAt: '2026-01-01T00:05:00.000Z',
      original: { url: 'https://signed/f/images/abc.png' },
      renditions: [{ name: 'w256-webp', url: 'https://signed/f/r/w256.webp' }],
    });
    expect(signed[0]).toEqual({
      bucket: 'uploads',
      key: 'f/images/abc.png',
      versionId: 'v-verified',
      expiresInSeconds: 300,
      contentType: 'image/png',
      downloadName: 'cat.png',
    });
    expect(signed[1]).toMatchObject({ bucket: 'processed', contentType: 'image/webp' });
  });

  it('pins the original to no version where the store keeps none', async () => {
    const { links, signed } = setup();
    await links.contentUrl({ ...upload('clean'), versionId: null });
    expect(signed[0]).toMatchObject({ key: 'f/images/abc.png', versionId: null });
  });

  it('redirects to a named rendition and names the ones there are otherwise', async () => {
    const { links } = setup();
    expect(await links.contentUrl(upload('clean'), 'w256-webp')).toBe(
      'https://signed/f/r/w256.webp',
    );
    await expect(links.contentUrl(upload('clean'), 'huge')).rejects.toMatchObject({
      code: 'rendition_not_found',
      details: { available: ['w256-webp'] },
    });
  });
});
