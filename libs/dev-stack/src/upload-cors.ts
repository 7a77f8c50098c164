/**
 * The uploads bucket's CORS rule on the local stack: the rule `infra/`
 * deploys (infra/src/storage.ts, from its `corsOrigins` setting), with
 * loopback origins by default. Keep the two in step: both test suites pin the
 * same methods, headers and max age.
 *
 * - PUT: a presigned PutObject or UploadPart; POST: a presigned form POST.
 *   No GET or HEAD: downloads are redirects to presigned GETs, not fetched by
 *   pages from the bucket.
 * - Allowed headers: those a browser sends from `upload.headers` (and a
 *   part's `headers`) that are not CORS-safelisted. Content-Length is signed
 *   too, but a browser sets it itself and may not be asked to.
 * - `ETag` exposed: a page completing a multipart upload (Uppy) reads it.
 */

export type CorsRule = {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly ('PUT' | 'POST')[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
};

export const UPLOAD_CORS = {
  allowedMethods: ['PUT', 'POST'],
  allowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3600,
} as const satisfies Omit<CorsRule, 'allowedOrigins'>;

/** Any port on the loopback names a browser gives a page served locally. */
export const DEFAULT_DEV_CORS_ORIGINS = [
  'http://127.0.0.1:*',
  'http://localhost:*',
  'http://[::1]:*',
] as const;

/**
 * `AIRLOCK_DEV_CORS_ORIGINS`: comma-separated origins; unset means the
 * loopback defaults, empty means none (no CORS rule at all). Each is
 * `scheme://host[:port]` with at most one `*`, which S3 matches as any run of
 * characters (`http://localhost:*`, `https://*.example.com`).
 */
export function parseCorsOrigins(value: string | undefined): string[] {
  if (value === undefined) return [...DEFAULT_DEV_CORS_ORIGINS];
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s,]+$/.test(origin) || origin.split('*').length > 2)
      throw new Error(
        `AIRLOCK_DEV_CORS_ORIGINS: ${origin} is not an origin like http://localhost:5173 ` +
          '(one * at most, no path)',
      );
  }
  return origins;
}

/** The uploads bucket's rule for these origins; none without origins. */
export function uploadCorsRule(origins: readonly string[]): CorsRule | undefined {
  return origins.length ? { allowedOrigins: [...origins], ...UPLOAD_CORS } : undefined;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/** The rule as S3's PutBucketCors document (what s3rver's `configureBuckets` takes). */
export function corsConfigurationXml(rule: CorsRule): string {
  const element = (name: string, values: readonly (string | number)[]) =>
    values.map((value) => `<${name}>${escapeXml(String(value))}</${name}>`).join('');
  return (
    '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule>' +
    element('AllowedOrigin', rule.allowedOrigins) +
    element('AllowedMethod', rule.allowedMethods) +
    element('AllowedHeader', rule.allowedHeaders) +
    element('ExposeHeader', rule.exposedHeaders) +
    element('MaxAgeSeconds', [rule.maxAgeSeconds]) +
    '</CORSRule></CORSConfiguration>'
  );
}
