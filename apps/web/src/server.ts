import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@airlock/runtime';
import { bundlePage, type Bundle } from './bundle.ts';
import { contentSecurityPolicy, ownOrigins, type WebSettings } from './settings.ts';

const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));
const STATIC_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const SAFE_NAME = /^[a-z0-9][a-z0-9-]*$/;

export type WebServer = { readonly url: string; close(): Promise<void> };

type Answer = {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
};

const json = (status: number, value: unknown): Answer => ({
  status,
  type: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
  headers: { 'cache-control': 'no-store' },
});

const problem = (status: number, code: string, message: string) =>
  json(status, { error: { code, message } });

/**
 * The demo web app: serves the page (HTML, its esbuild bundle) and mints
 * upload tokens for it with the demo tenant's API key, the one secret it
 * holds. It is what a customer's backend does, in about a hundred lines.
 */
export async function startWebServer(settings: WebSettings, logger: Logger): Promise<WebServer> {
  // A page that does not bundle must not take the stack down: its scripts answer 500, logged.
  const bundle = await bundlePage().catch((error: unknown) => {
    logger.error({ err: error }, 'the page did not bundle');
    return new Map() as Bundle;
  });
  const origins = ownOrigins(settings.host, settings.port);
  const csp = contentSecurityPolicy(settings.apiUrl, settings.storageUrl);

  async function mintToken(origin: string): Promise<Answer> {
    const response = await fetch(`${settings.apiUrl}/v1/upload-tokens`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${settings.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        siteId: settings.siteId,
        origin,
        ttlSeconds: settings.token.ttlSeconds,
        maxUploads: settings.token.maxUploads,
        maxSize: settings.token.maxSize,
        contentTypes: settings.token.contentTypes,
      }),
      signal: AbortSignal.timeout(5_000),
    }).catch((error: unknown) => error as Error);
    if (response instanceof Error || !response.ok) {
      const detail =
        response instanceof Error
          ? response.message
          : `HTTP ${response.status} ${await response.text()}`;
      logger.error({ detail }, 'the API did not mint an upload token');
      return problem(502, 'token_unavailable', 'The Airlock API did not issue an upload token.');
    }
    const minted = (await response.json()) as Record<string, unknown>;
    logger.info({ origin, expiresAt: minted.expiresAt }, 'upload token minted');
    return json(200, {
      token: minted.token,
      expiresAt: minted.expiresAt,
      maxSize: minted.maxSize,
      maxUploads: minted.maxUploads,
      contentTypes: minted.contentTypes,
      apiUrl: settings.apiUrl,
      siteId: settings.siteId,
    });
  }

  async function page(name: string): Promise<Answer | undefined> {
    const file = `${PAGE_DIR}${name}.html`;
    if (!SAFE_NAME.test(name) || !existsSync(file)) return undefined;
    return {
      status: 200,
      type: 'text/html; charset=utf-8',
      body: await readFile(file),
      headers: { 'content-security-policy': csp, 'cache-control': 'no-store' },
    };
  }

  async function asset(name: string, files: Bundle): Promise<Answer | undefined> {
    const bundled = files.get(name);
    if (bundled) return { status: 200, type: bundled.contentType, body: bundled.body };
    const dot = name.lastIndexOf('.');
    const type = STATIC_TYPES[name.slice(dot)];
    if (!type || !SAFE_NAME.test(name.slice(0, dot)) || !existsSync(`${PAGE_DIR}${name}`))
      return undefined;
    return { status: 200, type, body: await readFile(`${PAGE_DIR}${name}`) };
  }

  async function route(req: IncomingMessage): Promise<Answer> {
    const path = new URL(req.url ?? '/', 'http://web').pathname;
    if (req.method === 'POST' && path === '/token') {
      // Only this app's own pages may have tokens minted: a browser always
      // sends Origin on a POST, and another site's page cannot fake it.
      const origin = req.headers.origin;
      if (!origin || !origins.includes(origin))
        return problem(403, 'forbidden', 'Tokens are minted for this app’s own pages only.');
      return mintToken(origin);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return problem(405, 'method_not_allowed', `${req.method} is not served here`);
    if (path === '/healthz') return json(200, { status: 'ok' });
    const name = path === '/' ? 'index' : path.slice(1);
    return (
      (await page(name)) ??
      (await asset(name, bundle)) ??
      problem(404, 'not_found', `Nothing at ${path}`)
    );
  }

  const send = (res: ServerResponse, answer: Answer, head: boolean) => {
    res.writeHead(answer.status, {
      'content-type': answer.type,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...answer.headers,
    });
    res.end(head ? undefined : answer.body);
  };

  const server = createServer((req, res) => {
    // Bodies are never read: drain whatever was sent.
    req.resume();
    route(req).then(
      (answer) => send(res, answer, req.method === 'HEAD'),
      (error: unknown) => {
        logger.error({ err: error, url: req.url }, 'request failed');
        send(res, problem(500, 'internal', 'Something went wrong.'), false);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${settings.host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
