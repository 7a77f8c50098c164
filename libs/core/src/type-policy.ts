/**
 * The server-side allow-list of content types. Category and extension of a
 * stored object come from here, never from the client's file name.
 */
export type Category = 'images' | 'documents' | 'text' | 'video';

export type AllowedType = {
  readonly contentType: string;
  readonly category: Category;
  readonly extension: string;
};

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * The largest upload any category may be set to: S3's ceiling for one PUT
 * (multipart goes further, Airlock does not).
 */
export const MAX_UPLOAD_BYTES = 5 * GiB;

export const ALLOWED_TYPES: readonly AllowedType[] = [
  { contentType: 'image/jpeg', category: 'images', extension: 'jpg' },
  { contentType: 'image/png', category: 'images', extension: 'png' },
  { contentType: 'image/webp', category: 'images', extension: 'webp' },
  { contentType: 'image/gif', category: 'images', extension: 'gif' },
  { contentType: 'image/avif', category: 'images', extension: 'avif' },
  { contentType: 'image/tiff', category: 'images', extension: 'tif' },
  { contentType: 'application/pdf', category: 'documents', extension: 'pdf' },
  { contentType: 'text/plain', category: 'text', extension: 'txt' },
  { contentType: 'text/csv', category: 'text', extension: 'csv' },
  { contentType: 'text/markdown', category: 'text', extension: 'md' },
  { contentType: 'application/json', category: 'text', extension: 'json' },
  // Magic bytes: an ISO BMFF `ftyp` box (major brand `qt  ` for QuickTime), or
  // an EBML header whose DocType is `webm`. The media worker leaves videos alone.
  { contentType: 'video/mp4', category: 'video', extension: 'mp4' },
  { contentType: 'video/webm', category: 'video', extension: 'webm' },
  { contentType: 'video/quicktime', category: 'video', extension: 'mov' },
];

/** Largest declared size accepted per category, before any URL is made. */
export type SizeLimits = Readonly<Record<Category, number>>;

export const DEFAULT_SIZE_LIMITS: SizeLimits = {
  images: 25 * MiB,
  documents: 100 * MiB,
  text: 10 * MiB,
  video: 1 * GiB,
};

/**
 * Looks up a declared Content-Type. Parameters (`; charset=utf-8`) and case are
 * ignored so the signed header is always the canonical media type.
 */
export function findAllowedType(contentType: string): AllowedType | undefined {
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return ALLOWED_TYPES.find((type) => type.contentType === mediaType);
}
