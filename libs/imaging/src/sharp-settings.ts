import sharp from 'sharp';

export type SharpSettings = {
  /**
   * libvips threads per image. The worker already runs several images at once
   * (WORKER_CONCURRENCY), so one thread each keeps a 2-core box from
   * oversubscribing and bounds the per-image working set.
   * @defaultValue 1
   */
  readonly concurrency: number;
  /**
   * libvips' operation cache. Every job is a different image, so cached
   * operations are never hit again and only hold memory: off by default.
   * @defaultValue false
   */
  readonly cache:
    false | { readonly memoryMiB: number; readonly files: number; readonly items: number };
};

/**
 * The only decoders left enabled: one per upload type we accept (JPEG, PNG,
 * WebP, GIF, AVIF through libheif, TIFF), in their `*Buffer` form, the one sharp
 * uses for both Buffer and stream input (it gathers a stream into a buffer).
 *
 * An allow-list rather than a block-list: sharp 0.35's prebuilt libvips 8.18
 * still carries loaders we never want to reach with user bytes, such as SVG
 * (librsvg: an XML parser and a renderer), the native `.vips` format, raw
 * pixel formats and the matrix/CSV loaders, and a block-list would silently
 * miss whatever the next libvips adds. Blocking the `VipsForeignLoad` base
 * class blocks every loader; unblocking these re-enables exactly the six.
 * ImageMagick, PDF, OpenSlide, JPEG 2000 and JPEG XL are not compiled into the
 * prebuilt binary at all, and the allow-list keeps them out if a custom build
 * adds them. TIFF stays on because it is an allowed upload type; libtiff is
 * fuzzed (OSS-Fuzz) but has the longest CVE history of the six, so it is the
 * first to drop if the type policy ever does.
 */
export const ALLOWED_LOADERS: readonly string[] = [
  'VipsForeignLoadJpegBuffer',
  'VipsForeignLoadPngBuffer',
  'VipsForeignLoadWebpBuffer',
  'VipsForeignLoadNsgifBuffer',
  'VipsForeignLoadHeifBuffer',
  'VipsForeignLoadTiffBuffer',
];

let hardened = false;

/**
 * Restricts libvips to {@link ALLOWED_LOADERS}. Process-wide and idempotent;
 * {@link renderRenditions} calls it too, so no image is ever decoded without it.
 */
export function hardenSharp(): void {
  if (hardened) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: [...ALLOWED_LOADERS] });
  hardened = true;
}

/** Once, at start: loader allow-list, threads per image and the operation cache. */
export function configureSharp(settings: SharpSettings): void {
  hardenSharp();
  sharp.concurrency(settings.concurrency);
  sharp.cache(
    settings.cache === false
      ? false
      : {
          memory: settings.cache.memoryMiB,
          files: settings.cache.files,
          items: settings.cache.items,
        },
  );
}
