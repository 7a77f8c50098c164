import type { Readable } from 'node:stream';
import { inSpan } from '@airlock/tracing';
import sharp, { type OutputInfo, type ResizeOptions } from 'sharp';
import { hardenSharp } from './sharp-settings.ts';
import { UnprocessableImageError } from './unprocessable-image.error.ts';

export type RenditionFormat = 'webp' | 'avif';

/**
 * One derivative to make. It is at most `width` wide and at most
 * `MAX_RENDITION_ASPECT × width` tall, never larger than the (oriented)
 * original: a 300 px image stays 300 px in a 1024 px rendition.
 */
export type RenditionSpec = {
  /** Unique per upload; becomes the object name, e.g. `w256-webp`. */
  readonly name: string;
  readonly width: number;
  readonly format: RenditionFormat;
};

export type ImageLimits = {
  /**
   * Largest width × height accepted, checked against the header before any
   * pixel is decoded: the decompression-bomb guard.
   * @defaultValue 100_000_000
   */
  readonly maxInputPixels: number;
  /** Largest encoded input read from a stream; past it the image is unprocessable. */
  readonly maxInputBytes: number;
  /** Wall-clock cap on decoding the original, in seconds; 0 for none. @defaultValue 30 */
  readonly timeoutSeconds: number;
};

export type RenderedRendition = {
  readonly spec: RenditionSpec;
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly format: RenditionFormat;
  readonly contentType: string;
  readonly extension: string;
};

export const RENDITION_FORMATS: Readonly<
  Record<RenditionFormat, { contentType: string; extension: string }>
> = {
  webp: { contentType: 'image/webp', extension: 'webp' },
  avif: { contentType: 'image/avif', extension: 'avif' },
};

/**
 * How tall a rendition may be, in widths. Without a bound a 1024 × 97,000
 * strip (100 MP, allowed) would make a 100 MP AVIF: minutes of CPU and
 * hundreds of MB for a "thumbnail". Tall images get a narrower rendition.
 */
export const MAX_RENDITION_ASPECT = 4;

/**
 * `failOn: 'error'`: abort on corrupt or truncated pixel data (it implies
 * 'truncated'), but not on decoder warnings. libjpeg warns about things
 * cameras and phones routinely write (extraneous bytes before a marker, odd
 * restart intervals); 'warning' would reject those photos without making the
 * decode any safer, since the limits and the loader allow-list are what bound
 * the damage a hostile file can do.
 */
const FAIL_ON = 'error';

/**
 * AVIF dominates the cost of a job. On one libvips thread, 1024 × 1536 from a
 * 24 MP photo took 4.6 s at sharp's default effort 4 and 0.5 s at effort 3,
 * for files about 7 % larger; WebP at the same size takes 0.2 s.
 */
const AVIF_EFFORT = 3;

/**
 * Decodes the original once (auto-oriented, shrunk to the largest rendition),
 * then encodes every rendition from that trusted intermediate. Metadata is
 * never copied: sharp writes none unless asked (no `keepMetadata`,
 * `withMetadata` or `withExif` here), so EXIF with its GPS position and the
 * orientation tag, XMP, IPTC and ICC all stay behind, and the pixels are sRGB.
 *
 * Throws {@link UnprocessableImageError} when the input cannot be decoded
 * within the limits. An error of `input` itself (a broken S3 stream) is
 * rethrown as it is: that is infrastructure, to retry.
 */
export function renderRenditions(
  input: Buffer | Readable,
  specs: readonly RenditionSpec[],
  limits: ImageLimits,
): Promise<RenderedRendition[]> {
  return inSpan(
    'sharp render',
    { attributes: { 'airlock.renditions.count': specs.length } },
    async (span) => {
      const renditions = await render(input, specs, limits);
      span.setAttribute(
        'airlock.renditions.bytes',
        renditions.reduce((sum, rendition) => sum + rendition.data.length, 0),
      );
      return renditions;
    },
  );
}

async function render(
  input: Buffer | Readable,
  specs: readonly RenditionSpec[],
  limits: ImageLimits,
): Promise<RenderedRendition[]> {
  assertSpecs(specs);
  hardenSharp();
  const bytes = Buffer.isBuffer(input) ? input : await readCapped(input, limits.maxInputBytes);
  if (bytes.length > limits.maxInputBytes) {
    throw new UnprocessableImageError(`input exceeds ${limits.maxInputBytes} bytes`);
  }
  const largest = Math.max(...specs.map((spec) => spec.width));

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, {
      limitInputPixels: limits.maxInputPixels,
      failOn: FAIL_ON,
      // The first frame of an animated GIF or a multi-page TIFF.
      pages: 1,
    })
      .timeout({ seconds: limits.timeoutSeconds })
      .autoOrient()
      .resize(box(largest))
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new UnprocessableImageError(messageOf(error), { cause: error });
  }

  // Encoding starts from our own 8-bit sRGB pixels: an error from here on is
  // not the upload's fault, so it is left to fail (and retry) as it is.
  const { width, height, channels } = decoded.info;
  const renditions: RenderedRendition[] = [];
  for (const spec of specs) {
    const resized = sharp(decoded.data, { raw: { width, height, channels } }).resize(
      box(spec.width),
    );
    const encoded =
      spec.format === 'webp'
        ? resized.webp({ quality: 80, effort: 4 })
        : resized.avif({ quality: 50, effort: AVIF_EFFORT });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    renditions.push({
      spec,
      data,
      width: info.width,
      height: info.height,
      format: spec.format,
      ...RENDITION_FORMATS[spec.format],
    });
  }
  return renditions;
}

const box = (width: number): ResizeOptions => ({
  width,
  height: width * MAX_RENDITION_ASPECT,
  fit: 'inside',
  withoutEnlargement: true,
});

function assertSpecs(specs: readonly RenditionSpec[]): void {
  if (specs.length === 0) throw new RangeError('at least one rendition is required');
  const names = new Set<string>();
  for (const spec of specs) {
    if (!Number.isInteger(spec.width) || spec.width < 1)
      throw new RangeError(`rendition ${spec.name}: width must be a positive integer`);
    if (!(spec.format in RENDITION_FORMATS))
      throw new RangeError(`rendition ${spec.name}: unknown format ${String(spec.format)}`);
    if (names.has(spec.name)) throw new RangeError(`rendition name ${spec.name} is not unique`);
    names.add(spec.name);
  }
}

/**
 * Reads a stream into one buffer, at most `maxBytes`: past that it is
 * destroyed and the image is unprocessable. The stream's own errors pass
 * through untouched.
 */
export async function readCapped(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += bytes.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new UnprocessableImageError(`input exceeds ${maxBytes} bytes`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).trim().slice(0, 500);
