import { Readable } from 'node:stream';
import sharp from 'sharp';
import {
  configureSharp,
  MAX_RENDITION_ASPECT,
  renderRenditions,
  UnprocessableImageError,
  type ImageLimits,
  type RenditionSpec,
} from './index.ts';
import { pngClaiming } from '@airlock/testing/files';
import { exifHasGps, orientedJpegWithGps, plainImage, truncatedJpeg } from './testing.ts';

const MiB = 1024 * 1024;
const SPECS: readonly RenditionSpec[] = [
  { name: 'w256-webp', width: 256, format: 'webp' },
  { name: 'w1024-webp', width: 1024, format: 'webp' },
  { name: 'w1024-avif', width: 1024, format: 'avif' },
];
const LIMITS: ImageLimits = {
  maxInputPixels: 100_000_000,
  maxInputBytes: 25 * MiB,
  timeoutSeconds: 30,
};

beforeAll(() => configureSharp({ concurrency: 1, cache: false }));

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

/** RGB of one pixel of an encoded image. */
async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

describe('renderRenditions', () => {
  it('orients a rotated phone photo, sizes every rendition and keeps none of its metadata', async () => {
    // 1800 × 1200, the smallest photo every rendition scales down from (and
    // the heaviest test here): the AVIF at 1024 px is most of its time.
    const photo = await orientedJpegWithGps(1800, 1200);
    const source = await sharp(photo).metadata();
    expect(source).toMatchObject({ width: 1800, height: 1200, orientation: 6 });
    expect(exifHasGps(source.exif)).toBe(true);

    const renditions = await renderRenditions(photo, SPECS, LIMITS);

    // Orientation 6 turns the 1800 × 1200 landscape pixels into a 1200 × 1800 portrait.
    expect(
      renditions.map(({ spec, width, height, format, contentType, extension }) => ({
        name: spec.name,
        width,
        height,
        format,
        contentType,
        extension,
      })),
    ).toEqual([
      {
        name: 'w256-webp',
        width: 256,
        height: 384,
        format: 'webp',
        contentType: 'image/webp',
        extension: 'webp',
      },
      {
        name: 'w1024-webp',
        width: 1024,
        height: 1536,
        format: 'webp',
        contentType: 'image/webp',
        extension: 'webp',
      },
      {
        name: 'w1024-avif',
        width: 1024,
        height: 1536,
        format: 'avif',
        contentType: 'image/avif',
        extension: 'avif',
      },
    ]);
    for (const rendition of renditions) {
      const meta = await sharp(rendition.data).metadata();
      expect(meta.format).toBe(rendition.format === 'avif' ? 'heif' : 'webp');
      expect({ width: meta.width, height: meta.height }).toEqual({
        width: rendition.width,
        height: rendition.height,
      });
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(meta.hasProfile).toBe(false);
      expect(exifHasGps(meta.exif)).toBe(false);
    }
    // Rotated clockwise, not merely relabelled: the stored bottom-left (red)
    // is now top-left and the stored top-left (red + green) is top-right.
    const w256 = renditions[0]!.data;
    const [r1, g1] = await pixel(w256, 8, 8);
    const [r2, g2] = await pixel(w256, 256 - 8, 8);
    expect(r1).toBeGreaterThan(150);
    expect(g1).toBeLessThan(100);
    expect(r2).toBeGreaterThan(150);
    expect(g2).toBeGreaterThan(150);
  });

  it('never enlarges an image smaller than a rendition', async () => {
    const small = await plainImage('png', 200, 120);
    const renditions = await renderRenditions(small, SPECS, LIMITS);
    expect(renditions.map((r) => [r.spec.name, r.width, r.height])).toEqual([
      ['w256-webp', 200, 120],
      ['w1024-webp', 200, 120],
      ['w1024-avif', 200, 120],
    ]);
  });

  it('bounds a tall strip by height as well', async () => {
    const strip = await plainImage('png', 300, 6000);
    const [rendition] = await renderRenditions(
      strip,
      [{ name: 'w256', width: 256, format: 'webp' }],
      LIMITS,
    );
    expect(rendition).toMatchObject({ width: 51, height: 256 * MAX_RENDITION_ASPECT });
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const)(
    'decodes %s, one of the upload types',
    async (format) => {
      const image = await plainImage(format, 640, 480);
      const [rendition] = await renderRenditions(image, [SPECS[0]!], LIMITS);
      expect(rendition).toMatchObject({ width: 256, height: 192, format: 'webp' });
    },
  );

  it('reads a stream', async () => {
    const image = await plainImage('jpeg', 640, 480);
    const chunks = [image.subarray(0, 1000), image.subarray(1000)];
    const [rendition] = await renderRenditions(Readable.from(chunks), [SPECS[0]!], LIMITS);
    expect(rendition).toMatchObject({ width: 256, height: 192 });
  });
});

describe('hostile and broken input', () => {
  it('a PNG whose header claims 20000 × 20000 fails fast, before any pixel is allocated', async () => {
    const bomb = pngClaiming(20_000, 20_000);
    expect(bomb.length).toBeLessThan(2048);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();

    const error = await rejection(renderRenditions(bomb, SPECS, LIMITS));

    const elapsedMs = performance.now() - started;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(error).toBeInstanceOf(UnprocessableImageError);
    expect((error as Error).message).toMatch(/pixel limit/i);
    expect(elapsedMs).toBeLessThan(1000);
    // 1.2 GB if it were decoded; a header read is noise.
    expect(rssGrowth).toBeLessThan(64 * MiB);
  });

  it('the pixel limit is the configured one, not sharp’s 268 MP default', async () => {
    const image = await plainImage('png', 1200, 1000);
    const error = await rejection(
      renderRenditions(image, SPECS, { ...LIMITS, maxInputPixels: 1_000_000 }),
    );
    expect(error).toBeInstanceOf(UnprocessableImageError);
    expect((error as Error).message).toMatch(/pixel limit/i);
  });

  it('a truncated JPEG is unprocessable', async () => {
    const error = await rejection(renderRenditions(await truncatedJpeg(), SPECS, LIMITS));
    expect(error).toBeInstanceOf(UnprocessableImageError);
  });

  it('bytes that are no image are unprocessable', async () => {
    const error = await rejection(
      renderRenditions(Buffer.from('definitely not an image'), SPECS, LIMITS),
    );
    expect(error).toBeInstanceOf(UnprocessableImageError);
    expect((error as Error).message).toMatch(/unsupported image format/);
  });

  it('SVG never reaches librsvg: its loader is blocked', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>',
    );
    const error = await rejection(renderRenditions(svg, SPECS, LIMITS));
    expect(error).toBeInstanceOf(UnprocessableImageError);
    expect((error as Error).message).toMatch(/unsupported image format/);
  });

  it('a stream past maxInputBytes is unprocessable and read no further', async () => {
    let served = 0;
    const endless = new Readable({
      read() {
        served += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const error = await rejection(
      renderRenditions(endless, SPECS, { ...LIMITS, maxInputBytes: MiB }),
    );
    expect(error).toBeInstanceOf(UnprocessableImageError);
    expect((error as Error).message).toBe(`input exceeds ${MiB} bytes`);
    expect(served).toBeLessThan(2 * MiB);
    expect(endless.destroyed).toBe(true);
  });

  it('a stream that breaks is an infrastructure error, passed on as it is', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    const error = await rejection(renderRenditions(broken, SPECS, LIMITS));
    expect(error).not.toBeInstanceOf(UnprocessableImageError);
    expect((error as Error).message).toBe('socket hang up');
  });

  it('a buffer past maxInputBytes is unprocessable', async () => {
    const image = await plainImage('png', 64, 64);
    const error = await rejection(renderRenditions(image, SPECS, { ...LIMITS, maxInputBytes: 10 }));
    expect(error).toBeInstanceOf(UnprocessableImageError);
  });
});

describe('rendition specs', () => {
  it('are checked before any decoding', async () => {
    const image = await plainImage('png', 64, 64);
    await expect(renderRenditions(image, [], LIMITS)).rejects.toThrow(RangeError);
    await expect(
      renderRenditions(image, [SPECS[0]!, { ...SPECS[1]!, name: SPECS[0]!.name }], LIMITS),
    ).rejects.toThrow(/not unique/);
    await expect(
      renderRenditions(image, [{ name: 'w0', width: 0, format: 'webp' }], LIMITS),
    ).rejects.toThrow(/positive integer/);
    await expect(
      renderRenditions(image, [{ name: 'w9', width: 9, format: 'png' as never }], LIMITS),
    ).rejects.toThrow(/unknown format/);
  });
});

describe('configureSharp', () => {
  it('sets threads per image and turns the operation cache off', () => {
    configureSharp({ concurrency: 1, cache: false });
    expect(sharp.concurrency()).toBe(1);
    expect(sharp.cache().memory.max).toBe(0);
    configureSharp({ concurrency: 2, cache: { memoryMiB: 16, files: 0, items: 10 } });
    expect(sharp.concurrency()).toBe(2);
    expect(sharp.cache()).toMatchObject({ memory: { max: 16 }, items: { max: 10 } });
    configureSharp({ concurrency: 1, cache: false });
  });
});
