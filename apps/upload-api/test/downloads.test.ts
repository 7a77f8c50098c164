import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PgUploadRenditions } from '@airlock/postgres';
import { StackClients, uniqueText, type ApiErrorBody, type Tenant } from '@airlock/testing';
import { ApiHarness } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness();
const stack = new StackClients();
const renditions = new PgUploadRenditions({ pool: stack.pool });
const sandbox = process.env.SANDBOX_BUCKET!;
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await stack.tenant();
});
afterAll(async () => {
  await harness.stop();
  await stack.close();
});

const show = (id: string) => harness.request('GET', `/v1/uploads/${id}`, { apiKey: tenant.apiKey });
const content = (id: string, query = '') =>
  fetch(`${harness.baseUrl}/v1/uploads/${id}/content${query}`, {
    headers: { authorization: `Bearer ${tenant.apiKey}` },
    redirect: 'manual',
  });

describe('signed downloads of clean content only', () => {
  it('appear once the upload is clean, never before, and the redirect serves the bytes', async () => {
    const file = uniqueText('downloadable');
    const upload = await stack.stageVerified(sandbox, tenant, file, 'text/plain');

    const verified = await show(upload.id);
    expect(verified.body).not.toHaveProperty('downloads');
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', 200, verified.body);
    const early = await content(upload.id);
    expect(early.status).toBe(409);
    expect(((await early.json()) as ApiErrorBody).error.code).toBe('upload_not_servable');

    await stack.uploads.transition({ uploadId: upload.id, to: 'clean', actor: 'test' });
    const clean = await show(upload.id);
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', 200, clean.body);
    const signed = await fetch(clean.body.downloads.original.url);
    expect(signed.status).toBe(200);
    expect(Buffer.from(await signed.arrayBuffer())).toEqual(file.bytes);
    expect(signed.headers.get('content-disposition')).toBe('attachment; filename="file"');

    const redirect = await content(upload.id);
    expect(redirect.status).toBe(302);
    const followed = await fetch(redirect.headers.get('location')!);
    expect(Buffer.from(await followed.arrayBuffer())).toEqual(file.bytes);
  });

  it('a quarantined upload never gets one', async () => {
    const upload = await stack.stageVerified(sandbox, tenant, uniqueText('infected'), 'text/plain');
    await stack.uploads.transition({
      uploadId: upload.id,
      to: 'quarantined',
      reason: 'Test.Signature',
      actor: 'test',
    });
    const shown = await show(upload.id);
    expect(shown.body).toMatchObject({ state: 'quarantined', reason: 'Test.Signature' });
    expect(shown.body).not.toHaveProperty('downloads');
    const refused = await content(upload.id);
    expect(refused.status).toBe(409);
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}/content', 409, await refused.json());
  });

  it('lists renditions and redirects to a named one; an unknown name is 404', async () => {
    const upload = await stack.stageVerified(sandbox, tenant, uniqueText('picture'), 'text/plain');
    const key = `${upload.key.split('/')[0]}/renditions/${upload.declaredSha256}/w256-webp.webp`;
    const bytes = Buffer.from('RIFF....WEBPVP8 fake rendition');
    await stack.s3.send(
      new PutObjectCommand({ Bucket: process.env.PROCESSED_BUCKET!, Key: key, Body: bytes }),
    );
    await renditions.save(upload.id, [
      {
        name: 'w256-webp',
        format: 'webp',
        width: 256,
        height: 171,
        size: bytes.length,
        bucket: process.env.PROCESSED_BUCKET!,
        key,
      },
    ]);
    await stack.uploads.transition({ uploadId: upload.id, to: 'clean', actor: 'test' });
    await stack.uploads.transition({ uploadId: upload.id, to: 'ready', actor: 'test' });

    const shown = await show(upload.id);
    expect(shown.body.renditions).toEqual([
      { name: 'w256-webp', format: 'webp', width: 256, height: 171, size: bytes.length },
    ]);
    expect(shown.body.downloads.renditions).toEqual([
      { name: 'w256-webp', url: expect.stringContaining(key) },
    ]);
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', 200, shown.body);

    const redirect = await content(upload.id, '?rendition=w256-webp');
    expect(redirect.status).toBe(302);
    const followed = await fetch(redirect.headers.get('location')!);
    expect(followed.headers.get('content-type')).toBe('image/webp');
    expect(Buffer.from(await followed.arrayBuffer())).toEqual(bytes);

    const unknown = await content(upload.id, '?rendition=w9999');
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as ApiErrorBody;
    expect(body.error).toMatchObject({
      code: 'rendition_not_found',
      details: { available: ['w256-webp'] },
    });
    expectMatchesOpenApi('get', '/v1/uploads/{uploadId}/content', 404, body);
  });

  it("another customer's upload is 404 on /content too", async () => {
    const upload = await stack.stageVerified(sandbox, tenant, uniqueText('private'), 'text/plain');
    await stack.uploads.transition({ uploadId: upload.id, to: 'clean', actor: 'test' });
    const stranger = await stack.tenant();
    const response = await fetch(`${harness.baseUrl}/v1/uploads/${upload.id}/content`, {
      headers: { authorization: `Bearer ${stranger.apiKey}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(404);
  });
});
