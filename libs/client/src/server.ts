/**
 * `@airlock/client/server`: for the customer's backend, which holds the API
 * key. It mints short-lived upload tokens (`POST /v1/upload-tokens`) and
 * hands them to its pages; the page then uploads with `upload(file, { token })`.
 * Web platform APIs only (fetch): Node ≥ 18, Deno, Bun, edge runtimes.
 */
import { apiError } from './api.ts';

export { AirlockApiError } from './errors.ts';

export type MintUploadTokenOptions = {
  /** The Airlock API's base URL, e.g. `https://uploads.example.com`. */
  readonly apiUrl: string;
  /** The API key (a server secret: never send it to a page). */
  readonly apiKey: string;
  /** The site the token may create uploads for. */
  readonly siteId: string;
  /** Allowed content types (a subset of the allow-list); all of them by default. */
  readonly contentTypes?: readonly string[];
  /** The largest file, in bytes; the category limits by default. */
  readonly maxSize?: number;
  /** How many uploads the token may create. */
  readonly maxUploads?: number;
  /** Lifetime in seconds, at most 3600. */
  readonly ttlSeconds?: number;
  /** The one origin that may use the token (e.g. `https://app.example.com`); any of the site's allowed origins by default. */
  readonly origin?: string;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
};

/** The API's answer (the OpenAPI document's `UploadToken`). Pass `token` and `siteId` to the page. */
export type UploadToken = {
  /** Revoke with `revokeUploadToken`. */
  readonly tokenId: string;
  /** `ut_…`: the page sends it as `Authorization: Bearer <token>`. Shown only here. */
  readonly token: string;
  readonly expiresAt: string;
  readonly siteId: string;
  readonly contentTypes: readonly string[] | null;
  readonly maxSize: number | null;
  readonly maxUploads: number;
  readonly origin: string | null;
};

const base = (apiUrl: string) => apiUrl.replace(/\/+$/, '');

/**
 * Mints an upload token for a page. Rejects with an `AirlockApiError` (the
 * API's `{ error: { code, message, details } }`) when refused.
 *
 * ```ts
 * app.post('/upload-token', async (req, res) => {
 *   const { token, siteId, expiresAt } = await mintUploadToken({ apiUrl, apiKey, siteId: SITE, maxUploads: 10 });
 *   res.json({ token, siteId, expiresAt });
 * });
 * ```
 */
export async function mintUploadToken(options: MintUploadTokenOptions): Promise<UploadToken> {
  const { apiUrl, apiKey, fetch: fetchImpl = fetch, signal, ...grant } = options;
  const body: Record<string, unknown> = { siteId: grant.siteId };
  for (const field of ['contentTypes', 'maxSize', 'maxUploads', 'ttlSeconds', 'origin'] as const)
    if (grant[field] !== undefined) body[field] = grant[field];
  const response = await fetchImpl(`${base(apiUrl)}/v1/upload-tokens`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200) throw apiError(response.status, text);
  return JSON.parse(text) as UploadToken;
}

/** Revokes a token before it expires (`DELETE /v1/upload-tokens/:tokenId`). */
export async function revokeUploadToken(options: {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly tokenId: string;
  readonly fetch?: typeof fetch;
}): Promise<void> {
  const fetchImpl = options.fetch ?? fetch;
  const response = await fetchImpl(
    `${base(options.apiUrl)}/v1/upload-tokens/${encodeURIComponent(options.tokenId)}`,
    { method: 'DELETE', headers: { authorization: `Bearer ${options.apiKey}` } },
  );
  const text = await response.text();
  if (!response.ok) throw apiError(response.status, text);
}
