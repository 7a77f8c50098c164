/**
 * Property-based fuzzing of the stack's running API from its own OpenAPI
 * document (issue 12: "keep them closed"). Each run sends one generated
 * request to a documented operation: valid-ish and hostile bodies, path ids
 * with odd percent-encodings, wrong content types and content encodings,
 * missing and wrong keys. Every answer must be documented for its operation
 * (status and body, error shape included), never a 5xx; and customer B's key
 * never sees or changes customer A's upload or webhook. B's browser upload
 * token acts too: it never sees or changes A's uploads nor B's key's.
 *
 * Bounded: NUM_RUNS requests (plus shrinking on a failure), fast-check prints
 * the seed and path to replay a failure: `FUZZ_SEED=<seed> npx jest ... openapi-fuzz`.
 * Wrong and missing keys are kept to about a tenth of the runs so that the
 * stack's per-IP budget of failed authentications is not spent by this file.
 */
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { StackClients, uniqueText, type Tenant } from '@airlock/testing';
import type { OpenApiDocument, OpenApiOperation } from '../src/openapi/openapi-document.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';
import { rawRequest } from './support/raw-http.ts';

const NUM_RUNS = 300;
const stack = new StackClients();
const api = stack.apiUrl;
const sandbox = process.env.SANDBOX_BUCKET!;

/** A is the victim: its key is never used by the generated requests. B acts. */
let victim: Tenant;
let actor: Tenant;
let victimUpload: string;
let victimWebhook: { url: string; updatedAt: string };
let actorPending: string;
let actorClean: string;
/** B's upload token (issue 14) and the one upload it created. */
let actorToken: string;
let tokenUpload: string;
let document: OpenApiDocument;

const json = (value: unknown) => JSON.stringify(value);

beforeAll(async () => {
  document = (await (await fetch(`${api}/openapi.json`)).json()) as OpenApiDocument;
  [victim, actor] = await Promise.all([stack.tenant(), stack.tenant()]);

  victimUpload = (await stack.createUpload(victim, uniqueText('victim'), 'text/plain')).uploadId;
  const hook = await fetch(`${api}/v1/webhook`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${victim.apiKey}`, 'content-type': 'application/json' },
    body: json({ url: 'https://hooks.example.com/victim' }),
  });
  expect(hook.status).toBe(200);
  victimWebhook = await victimWebhookNow();

  actorPending = (await stack.createUpload(actor, uniqueText('actor'), 'text/plain')).uploadId;
  const clean = await stack.stageVerified(sandbox, actor, uniqueText('actor-clean'), 'text/plain');
  await stack.uploads.transition({ uploadId: clean.id, to: 'clean', actor: 'test' });
  actorClean = clean.id;

  const minted = await fetch(`${api}/v1/upload-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${actor.apiKey}`, 'content-type': 'application/json' },
    body: json({ siteId: actor.siteId, maxUploads: 1000, ttlSeconds: 3600 }),
  });
  expect(minted.status).toBe(201);
  actorToken = ((await minted.json()) as { token: string }).token;
  const file = uniqueText('token');
  const byToken = await fetch(`${api}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${actorToken}`, 'content-type': 'application/json' },
    body: json({
      fileName: 't.txt',
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
    }),
  });
  expect(byToken.status).toBe(201);
  tokenUpload = ((await byToken.json()) as { uploadId: string }).uploadId;
});

afterAll(async () => {
  await stack.close();
});

async function victimWebhookNow() {
  const response = await fetch(`${api}/v1/webhook`, {
    headers: { authorization: `Bearer ${victim.apiKey}` },
  });
  const body = (await response.json()) as { url: string; updatedAt: string };
  return { url: body.url, updatedAt: body.updatedAt };
}

// --- Generators ---

type Key = 'actor' | 'token' | 'none' | 'wrong' | 'malformed';

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  { weight: 27, arbitrary: fc.constant<Key>('actor') },
  { weight: 12, arbitrary: fc.constant<Key>('token') },
  { weight: 1, arbitrary: fc.constant<Key>('none') },
  { weight: 1, arbitrary: fc.constant<Key>('wrong') },
  { weight: 1, arbitrary: fc.constant<Key>('malformed') },
);

const ODD_IDS = [
  '%ZZ',
  '%C0%AF',
  '%FF',
  '%',
  '%E0%A4%A',
  '%u0041',
  '%00',
  '%2e%2e',
  '%2F..%2F',
  '..',
  '%EF%BB%BF',
  'null',
  '0',
  '-1',
];

type IdChoice = {
  kind: 'victim' | 'pending' | 'clean' | 'token' | 'random' | 'odd';
  raw: string;
};

const idArb: fc.Arbitrary<IdChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<IdChoice>({ kind: 'victim', raw: '' }) },
  { weight: 2, arbitrary: fc.constant<IdChoice>({ kind: 'pending', raw: '' }) },
  { weight: 2, arbitrary: fc.constant<IdChoice>({ kind: 'clean', raw: '' }) },
  { weight: 2, arbitrary: fc.constant<IdChoice>({ kind: 'token', raw: '' }) },
  { weight: 1, arbitrary: fc.uuid().map((raw): IdChoice => ({ kind: 'random', raw })) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...ODD_IDS).map((raw): IdChoice => ({ kind: 'odd', raw })),
  },
  {
    weight: 2,
    arbitrary: fc
      .string({ minLength: 1, maxLength: 40, unit: 'binary' })
      .map((text): IdChoice => ({ kind: 'odd', raw: encodeURIComponent(text) })),
  },
);

const hostileString = fc.oneof(
  fc.string({ maxLength: 300, unit: 'binary' }),
  fc.constantFrom(
    '',
    '.',
    '..',
    'invoice\u202Efdp.exe',
    '\u0085',
    '\u2028',
    '\uD800',
    'a'.repeat(5000),
    '😀'.repeat(300),
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "'; DROP TABLE uploads; --",
    '%00',
    'https://[::1]/',
    'https://2130706433/',
    'http://169.254.169.254/latest/meta-data/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::127.0.0.1]/',
  ),
);

const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.constant(null));

const validUploadFields = fc.record({
  siteId: fc.constant('actor-site'),
  fileName: fc.constantFrom('a.txt', 'notes.md', 'photo.png'),
  contentType: fc.constantFrom('text/plain', 'image/png', 'application/pdf'),
  size: fc.integer({ min: 1, max: 100_000 }),
  sha256: fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((b) => Buffer.from(b).toString('hex')),
});

const randomUploadBody = fc.record(
  {
    siteId: fc.oneof(
      fc.constant('actor-site'),
      fc.constant('victim-site'),
      fc.uuid(),
      hostileString,
      anyJson,
    ),
    customerId: fc.oneof(
      fc.constant('actor-customer'),
      fc.constant('victim-customer'),
      fc.uuid(),
      anyJson,
    ),
    fileName: fc.oneof(fc.constantFrom('a.txt', 'photo.png'), hostileString, anyJson),
    contentType: fc.oneof(
      fc.constantFrom('text/plain', 'image/png', 'application/pdf', 'TEXT/PLAIN; charset=utf-8'),
      hostileString,
      anyJson,
    ),
    size: fc.oneof(
      fc.integer({ min: -10, max: 10_000 }),
      fc.constantFrom(0, 2 ** 53, -0, 1e308, 1.5),
      anyJson,
    ),
    sha256: fc.oneof(
      fc.constant(randomBytes(32).toString('hex')),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      hostileString,
      anyJson,
    ),
    multipart: fc.oneof(fc.boolean(), anyJson),
    form: fc.oneof(fc.boolean(), anyJson),
    extra: anyJson,
  },
  { requiredKeys: [] },
);

/** Parts to sign: plausible ones (the actor's uploads are sent in one request: 409) and hostile ones. */
const signPartsBody = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      parts: fc.array(
        fc.record({
          partNumber: fc.oneof(fc.integer({ min: -1, max: 10_001 }), anyJson),
          size: fc.oneof(fc.integer({ min: 0, max: 6 * 1024 * 1024 }), anyJson),
          sha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), hostileString),
        }),
        { maxLength: 105 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ parts: anyJson, extra: anyJson }, { requiredKeys: [] }) },
);

/** Mostly a valid request, else a valid one with one field made hostile, else anything. */
const createUploadBody = fc.oneof(
  { weight: 3, arbitrary: validUploadFields },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validUploadFields, randomUploadBody)
      .chain(([valid, random]) =>
        fc
          .constantFrom(...Object.keys(random))
          .map((field) => ({ ...valid, [field]: (random as Record<string, unknown>)[field] })),
      ),
  },
  { weight: 2, arbitrary: randomUploadBody },
);

const randomWebhookBody = fc.record(
  {
    url: fc.oneof(
      fc.constantFrom('https://hooks.example.com/actor', 'http://127.0.0.1:9/actor'),
      fc.webUrl(),
      hostileString,
      anyJson,
    ),
    rotateSecret: fc.oneof(fc.boolean(), anyJson),
    events: anyJson,
  },
  { requiredKeys: [] },
);

const putWebhookBody = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      {
        url: fc.constantFrom(
          'https://hooks.example.com/actor',
          'http://127.0.0.1:9/actor',
          'https://8.8.8.8/x',
        ),
        rotateSecret: fc.boolean(),
      },
      { requiredKeys: ['url'] },
    ),
  },
  { weight: 2, arbitrary: randomWebhookBody },
);

type BodyChoice = { value?: unknown; raw?: string };

function bodyArb(operation: OperationEntry): fc.Arbitrary<BodyChoice | undefined> {
  const structured =
    operation.id === 'createUpload'
      ? createUploadBody
      : operation.id === 'putWebhook'
        ? putWebhookBody
        : operation.id === 'signUploadParts'
          ? signPartsBody
          : anyJson;
  return fc.oneof(
    { weight: operation.takesBody ? 6 : 1, arbitrary: structured.map((value) => ({ value })) },
    { weight: 1, arbitrary: anyJson.map((value) => ({ value })) },
    { weight: 1, arbitrary: hostileString.map((raw) => ({ raw })) },
    { weight: operation.takesBody ? 1 : 4, arbitrary: fc.constant(undefined) },
  );
}

const contentTypeArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=x-klingon',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ),
  },
);

type Encoding =
  | 'none'
  | 'gzip'
  | 'deflate'
  | 'br'
  | 'gzip-corrupt'
  | 'gzip-truncated'
  | 'br-truncated'
  | 'deflate-corrupt'
  | 'unknown';
const encodingArb: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Encoding>('none') },
  {
    weight: 8,
    arbitrary: fc.constantFrom<Encoding>(
      'gzip',
      'deflate',
      'br',
      'gzip-corrupt',
      'gzip-truncated',
      'br-truncated',
      'deflate-corrupt',
      'unknown',
    ),
  },
);

function encode(bytes: Buffer, encoding: Encoding): { header?: string; bytes: Buffer } {
  switch (encoding) {
    case 'none':
      return { bytes };
    case 'gzip':
      return { header: 'gzip', bytes: gzipSync(bytes) };
    case 'deflate':
      return { header: 'deflate', bytes: deflateSync(bytes) };
    case 'br':
      return { header: 'br', bytes: brotliCompressSync(bytes) };
    case 'gzip-corrupt':
      return { header: 'gzip', bytes: Buffer.concat([Buffer.from('not gzip '), bytes]) };
    case 'gzip-truncated': {
      const gz = gzipSync(bytes);
      return { header: 'gzip', bytes: gz.subarray(0, Math.max(1, gz.length - 6)) };
    }
    case 'br-truncated': {
      const br = brotliCompressSync(bytes);
      return { header: 'br', bytes: br.subarray(0, Math.max(1, Math.floor(br.length / 2))) };
    }
    case 'deflate-corrupt':
      return { header: 'deflate', bytes: Buffer.from(`xx${bytes.toString('hex')}`) };
    case 'unknown':
      return { header: 'x-compress-9000', bytes };
  }
}

const renditionArb = fc.option(
  fc.oneof(
    fc.constantFrom('?rendition=w256-webp', '?rendition=', '?other=1', '?rendition=a&rendition=b'),
    fc.string({ maxLength: 80, unit: 'binary' }).map((s) => `?rendition=${encodeURIComponent(s)}`),
    fc.constantFrom('?rendition=%ZZ', '?%FF=1', '?rendition[x]=1'),
  ),
  { nil: undefined },
);

// --- Operations from the served document ---

type OperationEntry = {
  id: string;
  method: string;
  template: string;
  operation: OpenApiOperation;
  takesBody: boolean;
};

function operationsOf(doc: OpenApiDocument): OperationEntry[] {
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      id: operation.operationId,
      method,
      template,
      operation,
      takesBody: operation.requestBody !== undefined,
    })),
  );
}

type Generated = {
  operation: OperationEntry;
  key: Key;
  id: IdChoice;
  body: BodyChoice | undefined;
  contentType: string;
  encoding: Encoding;
  query: string | undefined;
};

function requestArb(operations: OperationEntry[]): fc.Arbitrary<Generated> {
  const weighted = operations.map((operation) => ({
    weight: operation.template.startsWith('/v1/') ? 6 : 1,
    arbitrary: fc.constant(operation),
  }));
  return fc.oneof(...weighted).chain((operation) =>
    fc.record({
      operation: fc.constant(operation),
      key: keyArb,
      id: idArb,
      body: bodyArb(operation),
      contentType: contentTypeArb,
      encoding: encodingArb,
      query: renditionArb,
    }),
  );
}

function resolveId(id: IdChoice): string {
  switch (id.kind) {
    case 'victim':
      return victimUpload;
    case 'pending':
      return actorPending;
    case 'clean':
      return actorClean;
    case 'token':
      return tokenUpload;
    default:
      return id.raw;
  }
}

/** Placeholders in generated bodies become the real ids of the two tenants. */
function materialise(value: unknown): unknown {
  if (value === 'actor-site') return actor.siteId;
  if (value === 'victim-site') return victim.siteId;
  if (value === 'actor-customer') return actor.customerId;
  if (value === 'victim-customer') return victim.customerId;
  if (Array.isArray(value)) return value.map(materialise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialise(v)]));
  }
  return value;
}

function authorization(key: Key): Record<string, string> {
  switch (key) {
    case 'actor':
      return { authorization: `Bearer ${actor.apiKey}` };
    case 'token':
      return { authorization: `Bearer ${actorToken}` };
    case 'none':
      return {};
    case 'wrong':
      return { authorization: `Bearer ak_${randomBytes(24).toString('hex')}` };
    case 'malformed':
      return { authorization: 'Basic dXNlcjpwYXNz' };
  }
}

async function send(generated: Generated) {
  const { operation, body, encoding, contentType } = generated;
  let path = operation.template
    .replace('{uploadId}', resolveId(generated.id))
    .replace('{tokenId}', resolveId(generated.id));
  if (operation.id === 'getUploadContent' && generated.query) path += generated.query;
  const headers: Record<string, string> = { ...authorization(generated.key) };
  let bytes: Buffer | undefined;
  if (body) {
    const text = body.raw ?? JSON.stringify(materialise(body.value)) ?? 'null';
    const encoded = encode(Buffer.from(text, 'utf8'), encoding);
    bytes = encoded.bytes;
    if (encoded.header) headers['content-encoding'] = encoded.header;
    if (contentType) headers['content-type'] = contentType;
  }
  const response = await rawRequest(api, {
    method: operation.method.toUpperCase(),
    path,
    headers,
    body: bytes,
  });
  return { path, response };
}

describe('the API against its OpenAPI document, fuzzed', () => {
  it(`answers ${NUM_RUNS} generated requests as documented, never 5xx, never across tenants`, async () => {
    const operations = operationsOf(document);
    expect(operations.map((o) => o.id).sort()).toEqual(
      expect.arrayContaining(['createUpload', 'getUpload', 'getUploadContent', 'putWebhook']),
    );
    const seen = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(requestArb(operations), async (generated) => {
        const { path, response } = await send(generated);
        const { operation } = generated;
        const label = `${operation.method.toUpperCase()} ${path} → ${response.status} ${response.text.slice(0, 300)}`;
        seen.set(
          `${operation.id} ${response.status}`,
          (seen.get(`${operation.id} ${response.status}`) ?? 0) + 1,
        );

        // No 5xx, ever (readyz may say 503 only when a dependency is down: it is documented).
        if (operation.id !== 'ready')
          expect({ label, fiveXx: response.status >= 500 }).toEqual({ label, fiveXx: false });
        // The status is one the operation documents, and the body matches it.
        const documented = operation.operation.responses[String(response.status)];
        expect({ label, documented: documented !== undefined }).toEqual({
          label,
          documented: true,
        });
        if (documented?.content?.['application/json']) {
          expectMatchesOpenApi(
            operation.method,
            operation.template,
            response.status,
            response.body,
          );
        } else if (response.status === 302) {
          expect(String(response.headers.location)).toMatch(/^https?:\/\//);
        } else {
          expect(response.text).toBe('');
        }
        if (response.status >= 400) {
          expect(response.headers['content-type']).toMatch(/^application\/json/);
          expect(Object.keys(response.body)).toEqual(['error']);
        }
        if (response.status === 400) {
          expect(response.body.error.details.issues.length).toBeGreaterThan(0);
        }
        if (response.status === 429) {
          expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }

        // Tenant isolation: B asking for A's upload learns nothing (a refused query is not a lookup).
        if (
          generated.key === 'actor' &&
          generated.id.kind === 'victim' &&
          path.includes(victimUpload)
        ) {
          // 404 like any unknown id; 400 (a refused query) and 429 come before any lookup.
          expect({ label, revealed: ![400, 404, 429].includes(response.status) }).toEqual({
            label,
            revealed: false,
          });
          expect(response.text).not.toContain(victim.siteId);
          expect(response.text).not.toContain('victim');
        }
        // B's token sees only its own upload: not A's, not B's key's (404, or refused before any lookup).
        if (
          generated.key === 'token' &&
          ['victim', 'pending', 'clean'].includes(generated.id.kind) &&
          path.includes(resolveId(generated.id))
        ) {
          expect({ label, revealed: ![400, 403, 404, 429].includes(response.status) }).toEqual({
            label,
            revealed: false,
          });
          expect(response.text).not.toContain(victim.siteId);
          expect(response.text).not.toContain(actor.siteId);
        }
        // A token never gets anything from the webhook or token operations.
        if (
          generated.key === 'token' &&
          (operation.template.startsWith('/v1/webhook') ||
            operation.template.startsWith('/v1/upload-tokens'))
        ) {
          expect({ label, status: response.status }).toEqual({
            label,
            status: response.status === 429 ? 429 : 403,
          });
        }
        // B's webhook operations are B's: they never show A's URL.
        if (generated.key === 'actor' && operation.template === '/v1/webhook') {
          expect(response.text).not.toContain('hooks.example.com/victim');
        }
      }),
      {
        numRuns: NUM_RUNS,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
        interruptAfterTimeLimit: 50_000,
        markInterruptAsFailure: true,
      },
    );

    if (process.env.FUZZ_REPORT) console.log([...seen].sort().join('\n'));
    // A's upload and webhook are exactly as they were.
    const upload = await stack.uploads.findWithHistory(victimUpload);
    expect(upload?.upload.state).toBe('pending');
    expect(upload?.upload.customerId).toBe(victim.customerId);
    expect(await victimWebhookNow()).toEqual(victimWebhook);
    // Enough of the space was reached to mean something: successes and refusals alike.
    const statuses = [...seen.keys()];
    expect(statuses.some((s) => / 2\d\d$/.test(s))).toBe(true);
    expect(statuses.some((s) => / 400$/.test(s))).toBe(true);
    expect(statuses.some((s) => / 404$/.test(s))).toBe(true);
  }, 60_000);
});
