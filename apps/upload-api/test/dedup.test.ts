import { ApiHarness, uniqueText, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness({ RATE_LIMIT_PER_MINUTE: '10000' });
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(() => harness.stop());

const ask = (t: Tenant, file: ReturnType<typeof uniqueText>, fileName = 'a.txt') =>
  harness.request('POST', '/v1/uploads', {
    apiKey: t.apiKey,
    body: {
      siteId: t.siteId,
      fileName,
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
    },
  });

describe('dedup by SHA-256', () => {
  it('50 concurrent identical requests make one upload row, all 201, never a 5xx', async () => {
    const file = uniqueText('concurrent');
    const responses = await Promise.all(Array.from({ length: 50 }, () => ask(tenant, file)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(new Set(responses.map((r) => r.body.uploadId)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.key)).size).toBe(1);
    const { rows } = await harness.pool.query(
      'SELECT count(*)::int AS n FROM uploads WHERE declared_sha256 = $1',
      [file.sha256],
    );
    expect(rows[0].n).toBe(1);
  });

  it('a pending upload gets a fresh URL to the same key, never a duplicate answer', async () => {
    const file = uniqueText();
    const first = await ask(tenant, file);
    const second = await ask(tenant, file, 'renamed.txt');
    expect(second.status).toBe(201);
    expect(second.body.uploadId).toBe(first.body.uploadId);
    expect(second.body.key).toBe(first.body.key);
    expect(second.body).not.toHaveProperty('duplicate');
    expect(second.body.upload.url).toContain(first.body.key);
  });

  it('confirmed content answers 200 duplicate with no URL', async () => {
    const file = uniqueText();
    const first = await ask(tenant, file);
    const moved = await harness.uploads.transition({
      uploadId: first.body.uploadId,
      to: 'verified',
      actor: 'test',
    });
    expect(moved?.state).toBe('verified');

    const again = await ask(tenant, file);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      uploadId: first.body.uploadId,
      state: 'verified',
      key: first.body.key,
      duplicate: true,
    });
    expectMatchesOpenApi('post', '/v1/uploads', 200, again.body);
  });

  it('content that arrived but is not verified yet is 409 upload_in_progress', async () => {
    const file = uniqueText();
    const first = await ask(tenant, file);
    await harness.uploads.transition({
      uploadId: first.body.uploadId,
      to: 'uploaded',
      actor: 'test',
    });
    const again = await ask(tenant, file);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'upload_in_progress',
      details: { uploadId: first.body.uploadId },
    });
  });

  it('rejected content is never a dedup hit: the next request starts a new upload', async () => {
    const file = uniqueText();
    const first = await ask(tenant, file);
    await harness.uploads.transition({
      uploadId: first.body.uploadId,
      to: 'rejected',
      reason: 'checksum_mismatch',
      actor: 'test',
    });
    const again = await ask(tenant, file);
    expect(again.status).toBe(201);
    expect(again.body.uploadId).not.toBe(first.body.uploadId);
  });

  it('dedup is per customer: another customer never learns the content exists', async () => {
    const file = uniqueText();
    const mine = await ask(tenant, file);
    await harness.uploads.transition({
      uploadId: mine.body.uploadId,
      to: 'verified',
      actor: 'test',
    });
    const stranger = await harness.tenant();
    const theirs = await ask(stranger, file);
    expect(theirs.status).toBe(201);
    expect(theirs.body.uploadId).not.toBe(mine.body.uploadId);
    expect(theirs.body.key.split('/')[0]).not.toBe(mine.body.key.split('/')[0]);
  });
});

describe('state transitions in Postgres', () => {
  it('compare-and-set: a repeated or illegal move does nothing, and every move is audited once', async () => {
    const file = uniqueText();
    const { body } = await ask(tenant, file);
    const id = body.uploadId as string;
    expect(
      await harness.uploads.transition({ uploadId: id, to: 'uploaded', actor: 'test' }),
    ).toBeDefined();
    expect(
      await harness.uploads.transition({ uploadId: id, to: 'uploaded', actor: 'test' }),
    ).toBeUndefined();
    expect(
      await harness.uploads.transition({ uploadId: id, to: 'ready', actor: 'test' }),
    ).toBeUndefined();
    const found = await harness.uploads.findWithHistory(id);
    expect(found?.upload.state).toBe('uploaded');
    expect(found?.history.map((h) => [h.fromState, h.toState])).toEqual([
      [null, 'pending'],
      ['pending', 'uploaded'],
    ]);
    await expect(
      harness.pool.query('DELETE FROM upload_events WHERE upload_id = $1', [id]),
    ).rejects.toThrow(/append-only/);
  });
});
