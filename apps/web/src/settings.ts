const MiB = 1024 * 1024;

/** The types the demo's tokens accept (the API's allow-list without TIFF and QuickTime). */
export const DEMO_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'application/pdf',
  'text/plain',
  'text/csv',
  'text/markdown',
  'application/json',
  'video/mp4',
  'video/webm',
] as const;

export type WebSettings = {
  readonly host: string;
  readonly port: number;
  /** The Airlock API the page talks to (another origin). */
  readonly apiUrl: string;
  /** The demo tenant's site and API key: this backend's secrets, never sent to the page. */
  readonly siteId: string;
  readonly apiKey: string;
  /** Where presigned URLs point (the page's CSP lets it PUT there and show renditions). */
  readonly storageUrl: string | undefined;
  readonly token: {
    readonly ttlSeconds: number;
    readonly maxUploads: number;
    readonly maxSize: number;
    readonly contentTypes: readonly string[];
  };
};

const required = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required (the local stack sets it: npx airlock dev up)`);
  return value;
};

const positiveInteger = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
};

/** The web app's settings from its environment (the stack's `web` service sets them). */
export function loadWebSettings(env: NodeJS.ProcessEnv = process.env): WebSettings {
  return {
    host: env.HOST ?? '127.0.0.1',
    port: positiveInteger(env, 'PORT', 4620),
    apiUrl: required(env, 'AIRLOCK_API_URL').replace(/\/+$/, ''),
    siteId: required(env, 'AIRLOCK_WEB_SITE_ID'),
    apiKey: required(env, 'AIRLOCK_WEB_API_KEY'),
    storageUrl: env.S3_ENDPOINT || undefined,
    token: {
      ttlSeconds: positiveInteger(env, 'AIRLOCK_WEB_TOKEN_TTL_SECONDS', 1800),
      maxUploads: positiveInteger(env, 'AIRLOCK_WEB_TOKEN_MAX_UPLOADS', 100),
      maxSize: positiveInteger(env, 'AIRLOCK_WEB_MAX_BYTES', 100 * MiB),
      contentTypes: DEMO_CONTENT_TYPES,
    },
  };
}

/** The origins this app is reached at: the bound host, and `localhost` for a loopback host. */
export function ownOrigins(host: string, port: number): string[] {
  const origins = [`http://${host}:${port}`];
  if (host === '127.0.0.1' || host === '::1') origins.push(`http://localhost:${port}`);
  return origins;
}

const originOf = (url: string | undefined) => (url ? new URL(url).origin : undefined);

/**
 * The page's Content-Security-Policy: its own scripts only, fetches to this
 * backend, the API and the store, images from the store (renditions). The
 * hashing worker is a script of this origin; WebAssembly may be compiled
 * (a wasm hasher) but never `eval`.
 */
export function contentSecurityPolicy(apiUrl: string, storageUrl: string | undefined): string {
  const remote = [originOf(apiUrl), originOf(storageUrl)].filter(Boolean).join(' ');
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${remote}`,
    `img-src 'self' data: blob: ${originOf(storageUrl) ?? ''}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
