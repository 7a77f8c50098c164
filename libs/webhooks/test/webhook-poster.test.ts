import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ForbiddenDestination, WebhookPoster, type WebhookPosterOptions } from '../src/index.ts';

type Received = { url: string; headers: IncomingMessage['headers']; body: string };
type Responder = (req: IncomingMessage, res: ServerResponse) => void;

/** A receiver on one loopback address that records every request. */
async function receiver(host: string, respond: Responder) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const answer =
  (status: number, headers: Record<string, string> = {}): Responder =>
  (_req, res) =>
    res.writeHead(status, headers).end();

const options = (overrides: Partial<WebhookPosterOptions> = {}): WebhookPosterOptions => ({
  allowedCidrs: ['127.0.0.1/32'],
  allowHttp: true,
  timeoutMs: 2000,
  maxRedirects: 3,
  userAgent: 'airlock-webhooks-test',
  ...overrides,
});

const body = JSON.stringify({ type: 'upload.ready' });
const signed = { 'webhook-id': 'd-1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' };

describe('WebhookPoster', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (host: string, respond: Responder) => {
    const server = await receiver(host, respond);
    servers.push(server);
    return server;
  };

  it('POSTs the body with the signature headers to an allow-listed address', async () => {
    const hook = await start('127.0.0.1', answer(204));
    const response = await new WebhookPoster(options()).post(`${hook.url}/hooks?x=1`, body, signed);

    expect(response).toEqual({ status: 204, url: `${hook.url}/hooks?x=1`, redirects: 0 });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({
      url: '/hooks?x=1',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'airlock-webhooks-test',
        'webhook-id': 'd-1',
        'webhook-signature': 'v1,x',
      },
    });
  });

  it.each([
    ['loopback', 'http://127.0.0.1:9/'],
    ['a name that resolves to loopback', 'http://localhost:9/'],
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['a private network', 'http://10.0.0.1/'],
    ['carrier-grade NAT', 'http://100.64.0.1/'],
    ['IPv6 loopback', 'http://[::1]:9/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:9/'],
    ['the unspecified address', 'http://0.0.0.0:9/'],
    ['loopback as one decimal number', 'http://2130706433:9/'],
    ['IPv4-compatible IPv6 loopback (::/96)', 'http://[::127.0.0.1]:9/'],
    ['IPv4-compatible IPv6 of a public address (::/96)', 'http://[::8.8.8.8]:9/'],
  ])('refuses %s without an allow-list entry', async (_what, url) => {
    const poster = new WebhookPoster(options({ allowedCidrs: [] }));
    await expect(poster.post(url, body, signed)).rejects.toBeInstanceOf(ForbiddenDestination);
  });

  it('refuses ::/96 even when 127.0.0.1 is allowed, and says why', async () => {
    const hook = await start('127.0.0.1', answer(204));
    const poster = new WebhookPoster(options({ allowedCidrs: ['127.0.0.1/32'] }));
    const port = new URL(hook.url).port;
    await expect(poster.post(`http://[::127.0.0.1]:${port}/`, body, signed)).rejects.toThrow(
      /IPv4-compatible IPv6/,
    );
    expect(hook.received).toHaveLength(0);
  });

  it('refuses a name when an address it resolves to is not allowed (our lookup, before the agent)', async () => {
    const poster = new WebhookPoster(options({ allowedCidrs: [] }));
    await expect(poster.post('http://localhost:9/', body, signed)).rejects.toThrow(
      /localhost: .*loopback address, not a public one/,
    );
  });

  it('checks every redirect hop: a 307 to a non-allowed address is refused before connecting', async () => {
    const inside = await start('127.0.0.2', answer(204));
    const hook = await start('127.0.0.1', answer(307, { location: `${inside.url}/internal` }));
    const poster = new WebhookPoster(options());

    await expect(poster.post(hook.url, body, signed)).rejects.toThrow(ForbiddenDestination);
    expect(hook.received).toHaveLength(1);
    expect(inside.received).toHaveLength(0);

    const metadata = await start('127.0.0.1', answer(308, { location: 'http://169.254.169.254/' }));
    await expect(poster.post(metadata.url, body, signed)).rejects.toThrow(ForbiddenDestination);
  });

  it('follows a 307 to an allowed address with the same body and headers', async () => {
    const target = await start('127.0.0.1', answer(200));
    const hook = await start('127.0.0.1', answer(307, { location: `${target.url}/moved` }));

    const response = await new WebhookPoster(options()).post(hook.url, body, signed);

    expect(response).toEqual({ status: 200, url: `${target.url}/moved`, redirects: 1 });
    expect(target.received[0]).toMatchObject({ body, headers: { 'webhook-id': 'd-1' } });
  });

  it('does not follow a redirect that would turn the POST into a GET', async () => {
    const target = await start('127.0.0.1', answer(200));
    const hook = await start('127.0.0.1', answer(302, { location: target.url }));

    const response = await new WebhookPoster(options()).post(hook.url, body, signed);

    expect(response.status).toBe(302);
    expect(target.received).toHaveLength(0);
  });

  it('gives up after maxRedirects hops', async () => {
    const loop = await start('127.0.0.1', (req, res) =>
      res.writeHead(307, { location: req.url ?? '/' }).end(),
    );
    const poster = new WebhookPoster(options({ maxRedirects: 2 }));

    await expect(poster.post(loop.url, body, signed)).rejects.toThrow('more than 2 redirects');
    expect(loop.received).toHaveLength(3);
  });

  it('refuses a plain http URL unless allowed', async () => {
    const hook = await start('127.0.0.1', answer(204));
    const strict = new WebhookPoster(options({ allowHttp: false }));

    await expect(strict.post(hook.url, body, signed)).rejects.toThrow(
      'http: URLs are not delivered to',
    );
    expect(hook.received).toHaveLength(0);
  });

  it('times out a receiver that never answers', async () => {
    const silent = await start('127.0.0.1', () => {});
    const poster = new WebhookPoster(options({ timeoutMs: 300 }));
    const started = Date.now();

    await expect(poster.post(silent.url, body, signed)).rejects.toThrow(/aborted|timeout/i);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
