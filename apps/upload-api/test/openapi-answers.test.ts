/**
 * Every success the OpenAPI document promises, answered for real by the
 * stack's running API: each operation's 2xx/3xx is reached at least once, and
 * each body matches both the document and the zod schema its presenter is
 * typed by (the document is generated from those schemas: issue 15, item 6).
 * The fuzz test (openapi-fuzz) covers the refusals; this one the successes.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { StackClients, uniqueText, type Tenant, type TestFile } from '@airlock/testing';
import { healthSchema, readySchema } from '../src/http/health.responses.ts';
import { signedPartsSchema, storedPartsSchema } from '../src/http/parts.responses.ts';
import {
  uploadCreatedSchema,
  uploadDuplicateSchema,
} from '../src/http/requested-upload.responses.ts';
import { uploadTokenSchema } from '../src/http/upload-token.responses.ts';
import {
  cancelledUploadSchema,
  uploadSchema,
  uploadStateOnlySchema,
} from '../src/http/upload.responses.ts';
import { putWebhookResponseSchema, webhookSchema } from '../src/http/webhook.responses.ts';
import { openApiDocument } from '../src/openapi/openapi-document.ts';
import { openApiDocumentSchema } from '../src/openapi/schemas.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const MiB = 1024 * 1024;
const stack = new StackClients();
const sandbox = process.env.SANDBOX_BUCKET!;
let tenant: Tenant;

/** `METHOD template status` of every answer checked. */
const answered = new Set<string>();

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

type Answer = { status: number; headers: Headers; body: unknown };

/**
 * Calls the stack's API with the tenant's key and checks the answer against
 * the document's operation and, when it has a body, against `schema`.
 */
async function call(
  method: string,
  template: string,
  options: { path?: string; body?: unknown; schema?: z.ZodType } = {},
): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${options.path ?? template}`, {
    method,
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${tenant.apiKey}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json');
  const body: unknown = json ? JSON.parse(text) : undefined;
  const documented = openApiDocument.paths[template]?.[method.toLowerCase()]?.responses;
  expect({
    template,
    method,
    status: response.status,
    documented: !!documented?.[response.status],
  }).toEqual({
    template,
    method,
    status: response.status,
    documented: true,
  });
  if (options.schema) {
    expectMatchesOpenApi(method, template, response.status, body);
    expect(options.schema.safeParse(body).error?.issues).toBeUndefined();
  } else {
    expect(json).toBeFalsy();
  }
  answered.add(`${method.toUpperCase()} ${template} ${response.status}`);
  return { status: response.status, headers: response.headers, body };
}

function createBody(file: Pick<TestFile, 'size' | 'sha256'>, extra: Record<string, unknown> = {}) {
  return {
    siteId: tenant.siteId,
    fileName: 'notes.txt',
    contentType: 'text/plain',
    size: file.size,
    sha256: file.sha256,
    ...extra,
  };
}

describe('every documented success, answered by the running API', () => {
  it('creates uploads: a PUT, a form POST, parts, and a duplicate', async () => {
    const put = await call('POST', '/v1/uploads', {
      body: createBody(uniqueText('put')),
      schema: uploadCreatedSchema,
    });
    expect(put).toMatchObject({ status: 201, body: { upload: { method: 'PUT' } } });
    const form = await call('POST', '/v1/uploads', {
      body: createBody(uniqueText('form'), { form: true }),
      schema: uploadCreatedSchema,
    });
    expect(form).toMatchObject({ status: 201, body: { upload: { method: 'POST' } } });
    const staged = await stack.stageVerified(sandbox, tenant, uniqueText('dup'), 'text/plain');
    const duplicate = await call('POST', '/v1/uploads', {
      body: createBody({ size: staged.declaredSize, sha256: staged.declaredSha256 }),
      schema: uploadDuplicateSchema,
    });
    expect(duplicate).toMatchObject({
      status: 200,
      body: { duplicate: true, uploadId: staged.id },
    });
    // A pending upload is cancelled.
    const { uploadId } = form.body as { uploadId: string };
    const cancelled = await call('DELETE', '/v1/uploads/{uploadId}', {
      path: `/v1/uploads/${uploadId}`,
      schema: cancelledUploadSchema,
    });
    expect(cancelled).toMatchObject({
      status: 200,
      body: { state: 'expired', reason: 'cancelled' },
    });
  });

  it('sends an upload in parts: part URLs, the stored parts, complete', async () => {
    const bytes = randomBytes(5 * MiB)
      .toString('hex')
      .slice(0, 5 * MiB);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const created = await call('POST', '/v1/uploads', {
      body: createBody({ size: bytes.length, sha256 }, { multipart: true }),
      schema: uploadCreatedSchema,
    });
    const { uploadId, upload } = created.body as {
      uploadId: string;
      upload: { partCount: number };
    };
    expect(upload).toMatchObject({ method: 'MULTIPART', partCount: 1 });
    const parts = `/v1/uploads/${uploadId}/parts`;
    const signed = await call('POST', '/v1/uploads/{uploadId}/parts', {
      path: parts,
      body: { parts: [{ partNumber: 1, size: bytes.length, sha256 }] },
      schema: signedPartsSchema,
    });
    const [part] = (signed.body as { parts: { url: string; headers: Record<string, string> }[] })
      .parts;
    const stored = await fetch(part!.url, { method: 'PUT', headers: part!.headers, body: bytes });
    expect(stored.status).toBe(200);
    const listed = await call('GET', '/v1/uploads/{uploadId}/parts', {
      path: parts,
      schema: storedPartsSchema,
    });
    expect(listed.body).toMatchObject({ parts: [{ partNumber: 1, size: bytes.length }] });
    const completed = await call('POST', '/v1/uploads/{uploadId}/complete', {
      path: `/v1/uploads/${uploadId}/complete`,
      schema: uploadStateOnlySchema,
    });
    expect(completed.status).toBe(200);
  });

  it('reads a clean upload, its download links and its content', async () => {
    const staged = await stack.stageVerified(sandbox, tenant, uniqueText('clean'), 'text/plain');
    await stack.uploads.transition({ uploadId: staged.id, to: 'clean', actor: 'test' });
    const read = await call('GET', '/v1/uploads/{uploadId}', {
      path: `/v1/uploads/${staged.id}`,
      schema: uploadSchema,
    });
    expect(read.body).toMatchObject({ state: 'clean', downloads: { original: {} } });
    const content = await call('GET', '/v1/uploads/{uploadId}/content', {
      path: `/v1/uploads/${staged.id}/content`,
    });
    expect(content.status).toBe(302);
    expect(content.headers.get('location')).toMatch(/^https?:\/\//);
  });

  it('registers, rotates, reads and removes the webhook', async () => {
    const url = 'https://hooks.example.com/answers';
    const created = await call('PUT', '/v1/webhook', {
      body: { url },
      schema: putWebhookResponseSchema,
    });
    expect(created.body).toHaveProperty('secret');
    const moved = await call('PUT', '/v1/webhook', {
      body: { url: `${url}/moved` },
      schema: putWebhookResponseSchema,
    });
    expect(moved.body).not.toHaveProperty('secret');
    const read = await call('GET', '/v1/webhook', { schema: webhookSchema });
    expect(read.body).toMatchObject({ url: `${url}/moved` });
    expect((await call('DELETE', '/v1/webhook')).status).toBe(204);
  });

  it('mints and revokes an upload token', async () => {
    const minted = await call('POST', '/v1/upload-tokens', {
      body: { siteId: tenant.siteId, contentTypes: ['text/plain'], maxUploads: 2 },
      schema: uploadTokenSchema,
    });
    expect(minted.status).toBe(201);
    const { tokenId } = minted.body as { tokenId: string };
    const revoked = await call('DELETE', '/v1/upload-tokens/{tokenId}', {
      path: `/v1/upload-tokens/${tokenId}`,
    });
    expect(revoked.status).toBe(204);
  });

  it('answers the operations endpoints', async () => {
    await call('GET', '/healthz', { schema: healthSchema });
    await call('GET', '/readyz', { schema: readySchema });
    await call('GET', '/openapi.json', { schema: openApiDocumentSchema });
  });

  it('reached every success the document lists', () => {
    const documented = Object.entries(openApiDocument.paths).flatMap(([template, item]) =>
      Object.entries(item).flatMap(([method, operation]) =>
        Object.keys(operation.responses)
          .filter((status) => Number(status) < 400)
          .map((status) => `${method.toUpperCase()} ${template} ${status}`),
      ),
    );
    expect([...answered].sort()).toEqual(documented.sort());
  });
});
