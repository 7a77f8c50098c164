/**
 * Browser upload tokens (issue 14): minted by a customer's backend with its
 * API key, handed to a page, and good only for creating and following that
 * page's own uploads of one site, within limits, for at most an hour.
 *
 * Stored, not stateless: a token is a row (`upload_tokens`) found by its
 * prefix, with only a SHA-256 of the whole token kept, like API keys.
 * "At most N uploads" needs a counter anyway; a stored token can be revoked at
 * once, and revoking its API key revokes it too. The price is one lookup per
 * request, the same an API key costs.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Errors, AppError } from '../errors.ts';
import {
  ALLOWED_TYPES,
  findAllowedType,
  type AllowedType,
  type SizeLimits,
} from '../type-policy.ts';

/** `ut_<12 hex>_<32 base64url>`: 192 random bits, so a fast hash is enough. */
const TOKEN_PATTERN = /^ut_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;

export type IssuedUploadToken = { token: string; prefix: string; hash: Buffer };

export function issueUploadToken(): IssuedUploadToken {
  const prefix = randomBytes(6).toString('hex');
  const token = `ut_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { token, prefix, hash: hashUploadToken(token) };
}

/** True for anything shaped like a token (`ut_…`), whether or not it parses. */
export function looksLikeUploadToken(credential: string): boolean {
  return credential.startsWith('ut_');
}

export function parseUploadToken(token: string): { prefix: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match?.[1] ? { prefix: match[1] } : undefined;
}

export function hashUploadToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function uploadTokenMatches(token: string, storedHash: Buffer): boolean {
  const candidate = hashUploadToken(token);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

/** What a live token allows, as authentication finds it. */
export type UploadTokenGrant = {
  readonly id: string;
  readonly customerId: string;
  readonly siteId: string;
  /** The API key that minted it: recorded as the issuer of every upload URL it gets. */
  readonly apiKeyId: string;
  /** Canonical media types; `null`: the server's allow-list. */
  readonly contentTypes: readonly string[] | null;
  /** `null`: the category limits alone. */
  readonly maxSize: number | null;
  readonly maxUploads: number;
  readonly expiresAt: Date;
  /** When set, a browser request must come from this origin (and from one of the site's). */
  readonly origin: string | null;
  /** The browser origins the token's site allows (`sites.allowed_origins`). */
  readonly siteOrigins: readonly string[];
};

export const UPLOAD_TOKEN_DEFAULT_TTL_SECONDS = 900;
export const UPLOAD_TOKEN_MAX_TTL_SECONDS = 3600;
export const UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS = 10;
export const UPLOAD_TOKEN_MAX_UPLOADS = 1000;

export type MintUploadTokenInput = {
  readonly siteId: string;
  readonly contentTypes?: readonly string[] | undefined;
  readonly maxSize?: number | undefined;
  readonly maxUploads?: number | undefined;
  readonly ttlSeconds?: number | undefined;
  readonly origin?: string | undefined;
};

/** The limits a new token is stored with. */
export type UploadTokenLimits = {
  readonly siteId: string;
  readonly contentTypes: readonly string[] | null;
  readonly maxSize: number | null;
  readonly maxUploads: number;
  /** It expires this long after it is stored. */
  readonly ttlSeconds: number;
  readonly origin: string | null;
};

type Issue = { path: string; message: string };

/**
 * Checks and normalises a mint request: types are canonicalised and must be on
 * the allow-list, the lifetime is 1..3600 s (900 by default), the origin is a
 * bare `http(s)://host[:port]`. Anything wrong is 400 with `details.issues`.
 */
export function uploadTokenLimits(
  input: MintUploadTokenInput,
  sizeLimits?: SizeLimits,
): UploadTokenLimits {
  const issues: Issue[] = [];
  let contentTypes: string[] | null = null;
  if (input.contentTypes !== undefined) {
    contentTypes = [];
    input.contentTypes.forEach((declared, index) => {
      const type = findAllowedType(declared);
      if (!type) {
        issues.push({
          path: `contentTypes.${index}`,
          message: `${declared} is not accepted; allowed: ${ALLOWED_TYPES.map((t) => t.contentType).join(', ')}`,
        });
      } else if (!contentTypes!.includes(type.contentType)) {
        contentTypes!.push(type.contentType);
      }
    });
    if (input.contentTypes.length === 0)
      issues.push({ path: 'contentTypes', message: 'at least one type, or leave it out' });
  }
  const ttl = input.ttlSeconds ?? UPLOAD_TOKEN_DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > UPLOAD_TOKEN_MAX_TTL_SECONDS)
    issues.push({ path: 'ttlSeconds', message: `1 to ${UPLOAD_TOKEN_MAX_TTL_SECONDS} seconds` });
  const maxUploads = input.maxUploads ?? UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS;
  if (!Number.isInteger(maxUploads) || maxUploads < 1 || maxUploads > UPLOAD_TOKEN_MAX_UPLOADS)
    issues.push({ path: 'maxUploads', message: `1 to ${UPLOAD_TOKEN_MAX_UPLOADS}` });
  if (input.maxSize !== undefined && (!Number.isSafeInteger(input.maxSize) || input.maxSize < 1))
    issues.push({ path: 'maxSize', message: 'a positive number of bytes' });
  if (input.maxSize !== undefined && sizeLimits) {
    const largest = Math.max(...Object.values(sizeLimits));
    if (input.maxSize > largest)
      issues.push({ path: 'maxSize', message: `at most ${largest} (the largest category limit)` });
  }
  let origin: string | null = null;
  if (input.origin !== undefined) {
    origin = normalizeOrigin(input.origin) ?? null;
    if (!origin)
      issues.push({
        path: 'origin',
        message: 'a browser origin: http(s)://host[:port], no path, query or credentials',
      });
  }
  if (issues.length > 0) throw Errors.invalidRequest('The token request is not valid', { issues });
  return {
    siteId: input.siteId,
    contentTypes,
    maxSize: input.maxSize ?? null,
    maxUploads,
    ttlSeconds: ttl,
    origin,
  };
}

/**
 * The serialised origin of `value` (`https://shop.example`,
 * `http://localhost:5173`; host lower-cased, default port dropped, as browsers
 * send `Origin`), or `undefined` when it is not one: a path other than `/`, a
 * query, a fragment, credentials or a scheme other than http(s) are refused
 * rather than dropped.
 */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  if (url.pathname !== '/' || /[?#]/.test(value)) return undefined;
  return url.origin;
}

/**
 * What a token refuses for one upload request: another site (403, whether or
 * not it exists), a type outside its list (415, naming the token's list), a
 * size over its limit (413, naming it). `undefined` when allowed.
 */
export function tokenUploadRefusal(
  grant: Pick<UploadTokenGrant, 'siteId' | 'contentTypes' | 'maxSize'>,
  request: { readonly siteId: string; readonly type: AllowedType; readonly size: number },
): AppError | undefined {
  if (request.siteId !== grant.siteId) {
    return Errors.forbidden('This upload token is for another site');
  }
  if (grant.contentTypes && !grant.contentTypes.includes(request.type.contentType)) {
    return Errors.unsupportedType(request.type.contentType, grant.contentTypes);
  }
  if (grant.maxSize !== null && request.size > grant.maxSize) {
    return Errors.fileTooLarge(request.size, grant.maxSize, request.type.category);
  }
  return undefined;
}

/**
 * Whether a browser request from `origin` may use this token: it must be one
 * of the site's allowed origins, and the token's own origin when it set one.
 */
export function tokenAllowsOrigin(
  grant: Pick<UploadTokenGrant, 'origin' | 'siteOrigins'>,
  origin: string,
): boolean {
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false;
  if (grant.origin !== null && grant.origin !== normalized) return false;
  return grant.siteOrigins.includes(normalized);
}

/** A token's uploads dedup among themselves only. */
export function tokenDedupScope(customerId: string, tokenId: string): string {
  return `customer:${customerId}:token:${tokenId}`;
}

/** Who asks: an API key (the whole customer), or an upload token (its own uploads). */
export type UploadCaller = {
  readonly customerId: string;
  readonly uploadTokenId?: string | null | undefined;
};

/**
 * Whether `caller` may see and act on `upload`: an API key sees its customer's
 * uploads (its tokens' included); a token sees only the uploads it created.
 * Everything else is answered like a missing upload.
 */
export function callerMaySee(
  caller: UploadCaller,
  upload: { readonly customerId: string; readonly uploadTokenId?: string | null | undefined },
): boolean {
  if (upload.customerId !== caller.customerId) return false;
  if (caller.uploadTokenId) return upload.uploadTokenId === caller.uploadTokenId;
  return true;
}

export const tokenExhausted = (maxUploads: number) =>
  new AppError(
    'token_exhausted',
    `This upload token has created its ${maxUploads} upload(s); ask your server for a new one`,
    { maxUploads },
  );
