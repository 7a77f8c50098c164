/**
 * Issue 12, findings 6, 7, 10, 11 and 12, against the real API: the stack's
 * running upload-api (its log file too) and, where a setting must differ, the
 * same app in-process on the stack's Postgres and S3 (ApiHarness).
 */
import { randomUUID } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { StackClients, uniqueText, until, type LogMark, type Tenant } from '@airlock/testing';
import { ApiHarness } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';
import { rawRequest, stackApiLog, type RawResponse } from './support/raw-http.ts';

const stack = new StackClients();
const api = stack.apiUrl;
const log = stackApiLog();
const sandbox = process.env.SANDBOX_BUCKET!;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(async () => {
  await stack.close();
});

const auth = (key = tenant.apiKey) => ({ authorization: `Bearer ${key}` });

function expectDocumentedError(method: string, path: string, response: RawResponse) {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expectMatchesOpenApi(method, path.split('?')[0]!, response.status, response.body);
}

/** Waits for the stack API's log lines of requests tagged `probe=<id>`, then returns every line since `offset`. */
async function logLinesFor(offset: LogMark, probes: readonly string[]) {
  return until(
    `log lines for ${probes.length} probes`,
    async () => {
      const lines = log.since(offset);
      const logged = (probe: string) => lines.some((line) => String(line.req?.url).includes(probe));
      return probes.every(logged) ? lines : undefined;
    },
    10_000,
  );
}

const validUploadBody = () => {
  const file = uniqueText('hardening');
  return JSON.stringify({
    // Bodies built at collection time (before beforeAll) never get as far as the site.
    siteId: tenant?.siteId ?? randomUUID(),
    fileName: 'a.txt',
    contentType: 'text/plain',
    size: file.size,
    sha256: file.sha256,
  });
};

describe('finding 6: client mistakes are documented 4xx answers, never 500s or error logs', () => {
  const malformedIds = ['%ZZ', '%C0%AF', '%FF', '%E0%A4%A', '%', 'abc%', '%u0041', '%00%ZZ'];

  it.each(malformedIds)(
    'a path id with malformed percent-encoding (%s) is 404 upload_not_found',
    async (id) => {
      for (const path of [`/v1/uploads/${id}`, `/v1/uploads/${id}/content`]) {
        const response = await rawRequest(api, { method: 'GET', path, headers: auth() });
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
        expect(response.body.error.code).toBe('upload_not_found');
        expectDocumentedError('get', path.replace(id, 'x'), response);
      }
    },
  );

  const json = Buffer.from(validUploadBody());
  const gzip = gzipSync(json);
  const brotli = brotliCompressSync(Buffer.from(validUploadBody().repeat(4)));
  const bodies: Array<[string, string, Buffer]> = [
    ['gzip, not gzip bytes', 'gzip', Buffer.from('this is not gzip at all')],
    ['gzip, truncated', 'gzip', gzip.subarray(0, Math.floor(gzip.length / 2))],
    ['gzip, corrupt trailer', 'gzip', Buffer.concat([gzip.subarray(0, -4), Buffer.from('XXXX')])],
    ['deflate, not deflate bytes', 'deflate', Buffer.from('nope nope nope')],
    ['deflate, truncated', 'deflate', deflateSync(json).subarray(0, 10)],
    ['br, not brotli bytes', 'br', Buffer.from('garbage garbage garbage garbage')],
    ['br, truncated', 'br', brotli.subarray(0, 5)],
    ['an unknown encoding', 'x-unknown', json],
    ['an unsupported charset', 'identity', json],
    ['JSON that is not JSON', 'identity', Buffer.from('{"siteId":')],
  ];

  it.each(bodies)(
    'a body with %s is 400 invalid_request with details.issues, on both operations that take one',
    async (what, encoding, bytes) => {
      const contentType =
        what === 'an unsupported charset'
          ? 'application/json; charset=x-klingon'
          : 'application/json';
      for (const [method, path] of [
        ['POST', '/v1/uploads'],
        ['PUT', '/v1/webhook'],
      ] as const) {
        const response = await rawRequest(api, {
          method,
          path,
          headers: { ...auth(), 'content-type': contentType, 'content-encoding': encoding },
          body: bytes,
        });
        expect({ what, path, status: response.status }).toEqual({ what, path, status: 400 });
        expect(response.body.error.code).toBe('invalid_request');
        expect(response.body.error.details.issues.length).toBeGreaterThan(0);
        expectDocumentedError(method, path, response);
      }
    },
  );

  it('a correctly gzipped body is read', async () => {
    const response = await rawRequest(api, {
      method: 'POST',
      path: '/v1/uploads',
      headers: { ...auth(), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(validUploadBody())),
    });
    expect(response.status).toBe(201);
    expectMatchesOpenApi('post', '/v1/uploads', 201, response.body);
  });

  it('none of them writes an error-level line (or a stack) to the API log', async () => {
    const offset = log.mark();
    const probes: string[] = [];
    const tagged = (path: string) => {
      const probe = randomUUID();
      probes.push(probe);
      return `${path}${path.includes('?') ? '&' : '?'}probe=${probe}`;
    };
    for (const id of malformedIds) {
      await rawRequest(api, { method: 'GET', path: tagged(`/v1/uploads/${id}`), headers: auth() });
    }
    for (const [, encoding, bytes] of bodies) {
      await rawRequest(api, {
        method: 'POST',
        path: tagged('/v1/uploads'),
        headers: { ...auth(), 'content-type': 'application/json', 'content-encoding': encoding },
        body: bytes,
      });
    }
    const lines = await logLinesFor(offset, probes);
    const probed = lines.filter((line) => probes.some((p) => String(line.req?.url).includes(p)));
    expect(probed).toHaveLength(probes.length);
    for (const line of probed) {
      expect({ url: line.req.url, level: line.level, status: line.res.statusCode }).toEqual({
        url: line.req.url,
        level: 30,
        status: expect.any(Number),
      });
      expect(line.res.statusCode).toBeLessThan(500);
      expect(line.err).toBeUndefined();
    }
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(log.textSince(offset)).not.toMatch(/"stack":|\n\s+at /);
  });
});

describe('finding 7: only the operations that take a body parse one', () => {
  const notJson = { 'content-type': 'application/json' };

  it.each([
    ['GET', '/v1/webhook', 404],
    ['DELETE', '/v1/webhook', 404],
    ['GET', `/v1/uploads/${randomUUID()}`, 404],
    ['GET', `/v1/uploads/${randomUUID()}/content`, 404],
  ] as const)('%s %s ignores an invalid or corrupt body', async (method, path, status) => {
    for (const [headers, body] of [
      [notJson, '{"this is": not json'],
      [{ ...notJson, 'content-encoding': 'gzip' }, 'not gzip'],
      [{ ...notJson, 'content-encoding': 'x-unknown' }, '{}'],
      [{ 'content-type': 'text/plain' }, 'x'.repeat(64 * 1024)],
    ] as const) {
      const response = await rawRequest(api, {
        method,
        path,
        headers: { ...auth(), ...headers },
        body,
      });
      expect(response.status).toBe(status);
      expectMatchesOpenApi(method, path, status, response.body);
    }
  });
});

describe('finding 10: no signed URL, key or secret reaches the logs', () => {
  it('the /content redirect, the Authorization header and a webhook secret are redacted', async () => {
    const upload = await stack.stageVerified(sandbox, tenant, uniqueText('logged'), 'text/plain');
    await stack.uploads.transition({ uploadId: upload.id, to: 'clean', actor: 'test' });
    const offset = log.mark();
    const probe = randomUUID();
    const ok = await rawRequest(api, {
      method: 'GET',
      path: `/v1/uploads/${upload.id}/content`,
      headers: auth(),
    });
    expect(ok.status).toBe(302);
    const location = String(ok.headers.location);
    expect(location).toMatch(/X-Amz-Signature=/);
    const webhook = await rawRequest(api, {
      method: 'PUT',
      path: `/v1/webhook?probe=${probe}`,
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.example.com/airlock' }),
    });
    expect(webhook.status).toBe(200);
    const secret = webhook.body.secret as string;
    expect(secret).toMatch(/^whsec_/);

    const lines = await until(
      'the redirect and the PUT in the log',
      async () => {
        const all = log.since(offset);
        const redirected = all.find(
          (line) =>
            line.req?.url === `/v1/uploads/${upload.id}/content` && line.res?.statusCode === 302,
        );
        const put = all.find(
          (line) => String(line.req?.url).includes(probe) && line.req?.method === 'PUT',
        );
        return redirected && put ? all : undefined;
      },
      10_000,
    );
    const redirected = lines.find((line) => line.res?.statusCode === 302)!;
    // The access line copies no header at all: neither Authorization nor Location.
    expect(redirected.req).toEqual({
      id: expect.anything(),
      method: 'GET',
      url: `/v1/uploads/${upload.id}/content`,
      remoteAddress: expect.any(String),
    });
    expect(redirected.res).toEqual({ statusCode: 302 });
    const text = log.textSince(offset);
    expect(text).not.toContain(location);
    expect(text).not.toContain('X-Amz-Signature');
    expect(text).not.toContain(tenant.apiKey);
    expect(text).not.toContain(secret);
  });
});

describe('finding 11: failed authentications are limited per IP, before any key lookup', () => {
  const budget = 5;
  const harness = new ApiHarness({ AUTH_FAILURES_PER_IP_PER_MINUTE: String(budget) });
  let own: Tenant;
  beforeAll(async () => {
    await harness.start();
    own = await harness.tenant();
  });
  afterAll(() => harness.stop());

  it('never throttles authenticated traffic from one IP, however much, even beside a few failures', async () => {
    for (let i = 0; i < budget - 1; i++) {
      expect((await harness.request('GET', '/v1/webhook', { apiKey: 'ak_wrong' })).status).toBe(
        401,
      );
    }
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        harness.request('GET', '/v1/webhook', { apiKey: own.apiKey }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 404));
  });

  it('answers 429 rate_limited with Retry-After once the IP is over budget, for any key, on every /v1 operation', async () => {
    // The previous test left budget - 1 failures: one more fills the budget.
    expect((await harness.request('GET', '/v1/webhook')).status).toBe(401);
    for (const [method, path] of [
      ['GET', '/v1/webhook'],
      ['PUT', '/v1/webhook'],
      ['DELETE', '/v1/webhook'],
      ['POST', '/v1/uploads'],
      ['GET', `/v1/uploads/${randomUUID()}`],
      ['GET', `/v1/uploads/${randomUUID()}/content`],
    ] as const) {
      const response = await harness.request(method, path, { apiKey: 'ak_still_guessing' });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 429 });
      expect(response.body.error.code).toBe('rate_limited');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expectMatchesOpenApi(method, path, 429, response.body);
    }
    // Refused before authentication: even a valid key from this address is not looked up.
    const valid = await harness.request('GET', '/v1/webhook', { apiKey: own.apiKey });
    expect(valid.status).toBe(429);
    expect(valid.body.error.message).toBe('Too many failed authentications from this address');
  });

  it('leaves the public endpoints alone', async () => {
    const health = await fetch(`${harness.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const document = await fetch(`${harness.baseUrl}/openapi.json`);
    expect(document.status).toBe(200);
  });
});

describe('finding 12: webhook URLs that point inside are refused at registration', () => {
  const strict = new ApiHarness({ WEBHOOK_ALLOWED_CIDRS: '', WEBHOOK_ALLOW_HTTP: 'false' });
  let own: Tenant;
  beforeAll(async () => {
    await strict.start();
    own = await strict.tenant();
  });
  afterAll(() => strict.stop());

  const put = (harness: ApiHarness, key: string, url: string) =>
    harness.request('PUT', '/v1/webhook', { apiKey: key, body: { url } });

  it.each([
    'https://[::1]/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://127.0.0.1./hooks',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[::127.0.0.1]/',
    'https://0.0.0.0/',
    'https://10.0.0.1/',
    'https://[fd00::1]/',
    'https://[fe80::1]/',
  ])('refuses %s with 400 invalid_request, an issue at url', async (url) => {
    const response = await put(strict, own.apiKey, url);
    expect(response.status).toBe(400);
    expectMatchesOpenApi('put', '/v1/webhook', 400, response.body);
    expect(response.body.error.message).toMatch(/^Webhook URL must point to a public address: /);
    expect(response.body.error.details.issues[0]!.path).toBe('url');
    expect((await strict.request('GET', '/v1/webhook', { apiKey: own.apiKey })).status).toBe(404);
  });

  it('accepts a public address literal', async () => {
    const response = await put(strict, own.apiKey, 'https://8.8.8.8/hooks');
    expect(response.status).toBe(200);
    expect(response.body.secret).toMatch(/^whsec_/);
  });

  it('the local stack API allows 127.0.0.1 receivers (as its notifier does), and nothing else inside', async () => {
    const tenantOfStack = await stack.tenant();
    const stackPut = (url: string) =>
      rawRequest(api, {
        method: 'PUT',
        path: '/v1/webhook',
        headers: { ...auth(tenantOfStack.apiKey), 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
    expect((await stackPut('http://127.0.0.1:9/hooks')).status).toBe(200);
    for (const url of [
      'http://127.0.0.2/',
      'http://[::1]:9/',
      'http://[::ffff:127.0.0.1]:9/',
      'http://[::127.0.0.1]:9/',
      'http://169.254.169.254/',
    ]) {
      const response = await stackPut(url);
      expect({ url, status: response.status }).toEqual({ url, status: 400 });
      expectMatchesOpenApi('put', '/v1/webhook', 400, response.body);
    }
  });

  it('returns the secret on creation and rotation only: not on GET, not on a URL change', async () => {
    const fresh = await strict.tenant();
    const created = await put(strict, fresh.apiKey, 'https://hooks.example.com/a');
    expect(created.body.secret).toMatch(/^whsec_/);
    const moved = await put(strict, fresh.apiKey, 'https://hooks.example.com/b');
    expect(moved.status).toBe(200);
    expect(moved.body).not.toHaveProperty('secret');
    expectMatchesOpenApi('put', '/v1/webhook', 200, moved.body);
    const shown = await strict.request('GET', '/v1/webhook', { apiKey: fresh.apiKey });
    expect(shown.body).not.toHaveProperty('secret');
    const rotated = await strict.request('PUT', '/v1/webhook', {
      apiKey: fresh.apiKey,
      body: { url: 'https://hooks.example.com/b', rotateSecret: true },
    });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
  });
});
