import { AirlockApiError } from './errors.ts';
import type { HeldPart } from './part-plan.ts';
import { decideRetry, DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { sleep } from './sleep.ts';

/**
 * The `authorization` header value (`Bearer <API key or upload token>`), or a
 * function returning it, called before every request: upload tokens expire,
 * so a page's function can fetch a fresh one from its backend. After the API
 * refused a value (401), the function is called once more with
 * `{ refused: true }` and the request repeated.
 */
export type Authorization =
  string | ((context: { readonly refused: boolean }) => string | Promise<string>);

export type ApiOptions = {
  /** The Airlock API's base URL, e.g. `https://uploads.example.com`. */
  readonly baseUrl: string;
  readonly authorization: Authorization;
  /** Another fetch (instrumentation, tests); the global one by default. */
  readonly fetch?: typeof fetch;
  readonly retry?: RetryPolicy;
};

export type CreateUploadRequest = {
  readonly siteId: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly customerId?: string;
  /** Ask for a multipart upload below the API's threshold (files of at least 5 MiB). */
  readonly multipart?: boolean;
};

export type PresignedPut = {
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly expiresAt: string;
};
export type MultipartPlan = {
  readonly method: 'MULTIPART';
  readonly partSize: number;
  readonly partCount: number;
  readonly expiresAt: string;
};

export type CreateUploadResponse =
  | {
      readonly uploadId: string;
      readonly state: string;
      readonly key: string;
      readonly upload: PresignedPut | MultipartPlan | { readonly method: string };
    }
  | {
      readonly uploadId: string;
      readonly state: string;
      readonly key: string;
      readonly duplicate: true;
    };

export type PartUrl = {
  readonly partNumber: number;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly expiresAt: string;
};

/** Every state of the v1 API: pending → uploaded → verified → clean → ready, or a terminal refusal. */
export type UploadState =
  'pending' | 'uploaded' | 'verified' | 'clean' | 'ready' | 'rejected' | 'quarantined' | 'expired';

export type UploadStatus = {
  readonly uploadId: string;
  readonly state: string;
  readonly reason?: string | null;
  readonly key: string;
  readonly [field: string]: unknown;
};

/** `DELETE /v1/uploads/:id` (the OpenAPI document's `CancelledUpload`). */
export type CancelledUpload = {
  readonly uploadId: string;
  readonly state: 'expired';
  readonly reason: 'cancelled';
};

/** `GET /v1/uploads/:id` (the OpenAPI document's `Upload`). */
export type Upload = UploadStatus & {
  readonly state: UploadState;
  /** Why the upload was rejected, quarantined or expired (`cancelled` after a cancel). */
  readonly reason: string | null;
  readonly siteId: string;
  readonly fileName: string;
  readonly contentType: string;
  /** The type sniffed from the content, once verified. */
  readonly detectedContentType: string | null;
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt: string;
  /** Oldest first. */
  readonly history: ReadonlyArray<{
    readonly from: UploadState | null;
    readonly to: UploadState;
    readonly reason: string | null;
    readonly at: string;
  }>;
  /** Processed derivatives (image thumbnails), once the media worker made them. */
  readonly renditions: ReadonlyArray<{
    readonly name: string;
    readonly format: string;
    readonly width: number;
    readonly height: number;
    readonly size: number;
  }>;
  /** Signed download URLs, only for `clean` and `ready` uploads. */
  readonly downloads?: {
    readonly expiresAt: string;
    readonly original: { readonly url: string };
    readonly renditions: ReadonlyArray<{ readonly name: string; readonly url: string }>;
  };
};

type Json = Record<string, unknown>;

/** The upload endpoints of the Airlock API v1; transient failures are retried with backoff. */
export class AirlockApi {
  readonly #baseUrl: string;
  readonly #authorization: Authorization;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryPolicy;

  constructor(options: ApiOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authorization = options.authorization;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  /** `POST /v1/uploads`. */
  async createUpload(body: CreateUploadRequest, signal?: AbortSignal) {
    return (await this.#call('POST', '/v1/uploads', body, signal)) as CreateUploadResponse;
  }

  /** `POST /v1/uploads/:id/parts`: presigned URLs for up to 100 parts. */
  async partUrls(
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; size: number; sha256: string }>,
    signal?: AbortSignal,
  ): Promise<PartUrl[]> {
    const answer = (await this.#call(
      'POST',
      `/v1/uploads/${uploadId}/parts`,
      { parts },
      signal,
    )) as {
      parts: PartUrl[];
    };
    return answer.parts;
  }

  /** `GET /v1/uploads/:id/parts`: what the store already holds. */
  async listParts(uploadId: string, signal?: AbortSignal): Promise<HeldPart[]> {
    const answer = (await this.#call(
      'GET',
      `/v1/uploads/${uploadId}/parts`,
      undefined,
      signal,
    )) as {
      parts: HeldPart[];
    };
    return answer.parts;
  }

  /** `POST /v1/uploads/:id/complete`. */
  async complete(uploadId: string, signal?: AbortSignal): Promise<Json> {
    return this.#call('POST', `/v1/uploads/${uploadId}/complete`, undefined, signal);
  }

  /** `DELETE /v1/uploads/:id`: a pending upload becomes `expired` (reason `cancelled`). */
  async cancel(uploadId: string, signal?: AbortSignal): Promise<CancelledUpload> {
    return (await this.#call(
      'DELETE',
      `/v1/uploads/${uploadId}`,
      undefined,
      signal,
    )) as CancelledUpload;
  }

  /** `GET /v1/uploads/:id`. */
  async getUpload(uploadId: string, signal?: AbortSignal): Promise<Upload> {
    return (await this.#call('GET', `/v1/uploads/${uploadId}`, undefined, signal)) as Upload;
  }

  async #call(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Json> {
    let refused = false;
    for (let attempt = 1; ; attempt += 1) {
      signal?.throwIfAborted();
      const authorization =
        typeof this.#authorization === 'function'
          ? await this.#authorization({ refused })
          : this.#authorization;
      const headers: Record<string, string> = { authorization, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let status: number;
      let text: string;
      let retryAfter: number | undefined;
      try {
        const response = await this.#fetch(`${this.#baseUrl}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          ...(signal ? { signal } : {}),
        });
        status = response.status;
        retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // fetch rejects (a TypeError) when the network fails: retried like a 5xx.
        const decision = decideRetry({ kind: 'network' }, attempt, this.#retry);
        if (decision.action !== 'retry') throw error;
        await sleep(decision.delayMs, signal);
        continue;
      }
      if (status >= 200 && status < 300) return text ? (JSON.parse(text) as Json) : {};
      // A token that expired or was replaced: ask the function for a fresh one, once.
      if (status === 401 && typeof this.#authorization === 'function' && !refused) {
        refused = true;
        continue;
      }
      const decision = decideRetry({ kind: 'status', status, body: text }, attempt, this.#retry);
      if (decision.action !== 'retry') throw apiError(status, text, retryAfter);
      // A 429's Retry-After is a floor for the wait (capped by the policy's longest).
      const wait =
        retryAfter !== undefined
          ? Math.min(this.#retry.maxDelayMs, Math.max(decision.delayMs, retryAfter * 1000))
          : decision.delayMs;
      await sleep(wait, signal);
    }
  }
}

/** `Retry-After` in seconds (the API sends seconds, never an HTTP date). */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

export function apiError(status: number, text: string, retryAfter?: number): AirlockApiError {
  try {
    const { error } = JSON.parse(text) as {
      error: { code: string; message: string; details?: Record<string, unknown> };
    };
    return new AirlockApiError(status, error.code, error.message, error.details ?? {}, retryAfter);
  } catch {
    return new AirlockApiError(
      status,
      'http_error',
      text.slice(0, 200) || `HTTP ${status}`,
      {},
      retryAfter,
    );
  }
}
