/**
 * S3's CORS evaluation, for the local S3 emulator (s3-emulator.ts), as
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html describes
 * it: the first rule whose AllowedOrigin matches the `Origin`, whose
 * AllowedMethod holds the method (for a preflight, the
 * `Access-Control-Request-Method`) and, for a preflight, whose AllowedHeader
 * patterns match every `Access-Control-Request-Headers` entry, answers. An
 * origin or header pattern may hold one `*`, matching any run of characters;
 * headers match case-insensitively. s3rver's own middleware answers a
 * preflight with `*` and without Expose-Headers or Max-Age; this answers as S3
 * does: the origin echoed (with credentials allowed), the rule's methods, the
 * requested headers, its exposed headers and max age.
 */

export type StoredCorsRule = {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds?: number | undefined;
};

export type CorsRefusal = {
  readonly status: 400 | 403;
  readonly code: string;
  readonly message: string;
};

export type Preflight =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> }
  | ({ readonly ok: false } & CorsRefusal);

const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** S3's pattern: literal, save for at most one `*` (any run of characters). */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const parts = pattern.split('*');
  if (parts.length > 2) return false;
  return new RegExp(`^${parts.map(escape).join('.*')}$`, ignoreCase ? 'i' : '').test(value);
}

function grant(
  rule: StoredCorsRule,
  origin: string,
): Record<string, string> & { 'Access-Control-Allow-Origin': string } {
  const wildcard = rule.allowedOrigins.includes('*');
  return {
    'Access-Control-Allow-Origin': wildcard ? '*' : origin,
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    ...(rule.exposedHeaders.length
      ? { 'Access-Control-Expose-Headers': rule.exposedHeaders.join(', ') }
      : {}),
    ...(rule.maxAgeSeconds !== undefined
      ? { 'Access-Control-Max-Age': String(rule.maxAgeSeconds) }
      : {}),
    ...(wildcard ? {} : { 'Access-Control-Allow-Credentials': 'true' }),
    Vary: VARY,
  };
}

const originMatches = (rule: StoredCorsRule, origin: string) =>
  rule.allowedOrigins.some((pattern) => wildcardMatches(pattern, origin));

/** The answer to an `OPTIONS` preflight; `rules` undefined: the bucket has no CORS configuration. */
export function preflight(
  rules: readonly StoredCorsRule[] | undefined,
  request: {
    readonly origin: string | undefined;
    readonly requestMethod: string | undefined;
    readonly requestHeaders: string | undefined;
  },
): Preflight {
  const { origin, requestMethod } = request;
  if (!origin)
    return {
      ok: false,
      status: 400,
      code: 'BadRequest',
      message: 'Insufficient information. Origin request header needed.',
    };
  if (!requestMethod)
    return {
      ok: false,
      status: 400,
      code: 'BadRequest',
      message: 'Invalid Access-Control-Request-Method: null',
    };
  if (!rules?.length)
    return {
      ok: false,
      status: 403,
      code: 'CORSResponse',
      message: 'CORS is not enabled for this bucket.',
    };
  const headers = (request.requestHeaders ?? '')
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter((header) => header !== '');
  const rule = rules.find(
    (candidate) =>
      originMatches(candidate, origin) &&
      candidate.allowedMethods.includes(requestMethod) &&
      headers.every((header) =>
        candidate.allowedHeaders.some((pattern) => wildcardMatches(pattern, header, true)),
      ),
  );
  if (!rule)
    return {
      ok: false,
      status: 403,
      code: 'CORSResponse',
      message:
        'This CORS request is not allowed. This is usually because the evalution of Origin, ' +
        'request method / Access-Control-Request-Method or Access-Control-Request-Headers are ' +
        "not whitelisted by the resource's CORS spec.",
    };
  return {
    ok: true,
    headers: {
      ...grant(rule, origin),
      ...(headers.length ? { 'Access-Control-Allow-Headers': headers.join(', ') } : {}),
    },
  };
}

/** The CORS headers of an actual (non-preflight) request's answer, error or not; none: no grant. */
export function actualRequestHeaders(
  rules: readonly StoredCorsRule[] | undefined,
  request: { readonly origin: string | undefined; readonly method: string },
): Readonly<Record<string, string>> | undefined {
  const { origin, method } = request;
  if (!origin || !rules) return undefined;
  const rule = rules.find(
    (candidate) => originMatches(candidate, origin) && candidate.allowedMethods.includes(method),
  );
  return rule ? grant(rule, origin) : undefined;
}

const list = (value: unknown): string[] =>
  value === undefined || value === null ? [] : ([] as unknown[]).concat(value).map(String);

/** The rules of a stored CORSConfiguration, as s3rver's XML parser leaves it (one item or a list). */
export function rulesOf(rawConfig: unknown): StoredCorsRule[] {
  const configuration = (rawConfig as { CORSConfiguration?: { CORSRule?: unknown } } | undefined)
    ?.CORSConfiguration;
  return ([] as unknown[]).concat(configuration?.CORSRule ?? []).map((raw) => {
    const rule = raw as Record<string, unknown>;
    const maxAge = rule['MaxAgeSeconds'];
    return {
      allowedOrigins: list(rule['AllowedOrigin']),
      allowedMethods: list(rule['AllowedMethod']),
      allowedHeaders: list(rule['AllowedHeader']),
      exposedHeaders: list(rule['ExposeHeader']),
      ...(maxAge !== undefined && maxAge !== '' ? { maxAgeSeconds: Number(maxAge) } : {}),
    };
  });
}
