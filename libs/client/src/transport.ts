/** One PUT of bytes to a presigned URL. */
export type PutRequest = {
  readonly url: string;
  /** The signed headers (`upload.headers`); forbidden ones are dropped (see `browserSafeHeaders`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Blob;
  readonly signal: AbortSignal;
  /** Bytes of the body sent so far, when the transport can tell. */
  readonly onUploadProgress?: (loaded: number) => void;
};

/** The store's answer: any status (the caller decides what to retry). */
export type PutResponse = { readonly status: number; readonly body: string };

/**
 * Sends a PUT. Rejects with the signal's reason when aborted, and with a
 * `TypeError` when the network fails (retried like a 5xx).
 */
export type PutTransport = (request: PutRequest) => Promise<PutResponse>;

/**
 * Headers no page may set (the Fetch standard's forbidden request headers):
 * the browser sets them itself, and refuses (with a console error) a page
 * that tries. `Content-Length` is among them: it is still signed, and every
 * HTTP client sends it for a body of known length (a Blob).
 */
const FORBIDDEN = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

export function isForbiddenHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return FORBIDDEN.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-');
}

/** The signed headers a client may set itself. */
export function browserSafeHeaders(
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isForbiddenHeader(name)));
}

/** PUT through `fetch` (Node, workers): no upload progress, so it reports the body once sent. */
export function fetchTransport(fetchImpl: typeof fetch): PutTransport {
  return async ({ url, headers, body, signal, onUploadProgress }) => {
    const response = await fetchImpl(url, {
      method: 'PUT',
      headers: browserSafeHeaders(headers),
      body,
      signal,
    });
    const text = await response.text();
    if (response.ok) onUploadProgress?.(body.size);
    return { status: response.status, body: text };
  };
}

/**
 * The part of XMLHttpRequest used here. Declared, not taken from the DOM
 * library, so the package also type-checks beside Node's types (the Node
 * services' program), where DOM's Buffer and fetch types would clash.
 */
export type XhrLike = {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  responseType: string;
  readonly upload: {
    addEventListener(type: 'progress', listener: (event: { loaded: number }) => void): void;
  };
  addEventListener(type: 'load' | 'error' | 'timeout' | 'abort', listener: () => void): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string | null;
};
type XhrConstructor = new () => XhrLike;

const globalXhr = (): XhrConstructor | undefined =>
  (globalThis as { XMLHttpRequest?: XhrConstructor }).XMLHttpRequest;

/** PUT through XMLHttpRequest (browsers): the only browser API that reports upload progress. */
export function xhrTransport(Xhr: XhrConstructor | undefined = globalXhr()): PutTransport {
  if (!Xhr) throw new TypeError('XMLHttpRequest is not available here');
  return ({ url, headers, body, signal, onUploadProgress }) =>
    new Promise<PutResponse>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const xhr = new Xhr();
      const onAbort = () => xhr.abort();
      const settle = (outcome: () => void) => {
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      xhr.open('PUT', url);
      for (const [name, value] of Object.entries(browserSafeHeaders(headers)))
        xhr.setRequestHeader(name, value);
      xhr.responseType = 'text';
      if (onUploadProgress)
        xhr.upload.addEventListener('progress', (event) => onUploadProgress(event.loaded));
      xhr.addEventListener('load', () =>
        settle(() => resolve({ status: xhr.status, body: String(xhr.responseText ?? '') })),
      );
      // A refused connection, a CORS failure or a dropped socket: status 0, no details.
      xhr.addEventListener('error', () =>
        settle(() => reject(new TypeError(`network error sending PUT to the store`))),
      );
      xhr.addEventListener('timeout', () =>
        settle(() => reject(new TypeError('the PUT to the store timed out'))),
      );
      xhr.addEventListener('abort', () => settle(() => reject(signal.reason)));
      signal.addEventListener('abort', onAbort, { once: true });
      xhr.send(body);
    });
}

/**
 * The PUT transport: the given `fetch` if any (instrumentation, tests), else
 * XMLHttpRequest where it exists (browsers: upload progress), else `fetch`.
 */
export function defaultTransport(fetchOverride?: typeof fetch): PutTransport {
  if (fetchOverride) return fetchTransport(fetchOverride);
  if (typeof globalXhr() === 'function') return xhrTransport();
  return fetchTransport((input, init) => fetch(input, init));
}
