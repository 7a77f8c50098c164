import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@airlock/config';
import { MIGRATIONS_DIR } from '@airlock/postgres';
import { ApiHarness, uniqueText, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness({ RATE_LIMIT_PER_MINUTE: '10000' });
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(() => harness.stop());

const ask = (
  t: Tenant,
  file: ReturnType<typeof uniqueText>,
  fileName = 'a.txt',
  overrides: Record<string, unknown> = {},
) =>
  harness.request('POST', '/v1/uploads', {
    apiKey: t.apiKey,
    body: {
      siteId: t.siteId,
      fileName,
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
      ...overrides,
    },
  });

const move = async (uploadId: string, ...states: ('uploaded' | 'verified' | 'clean')[]) => {
  for (const to of states) {
    expect((await harness.uploads.transition({ uploadId, to, actor: 'test' }))?.state).toBe(to);
  }
};

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

  it('content that arrived but is not verified yet is 409 upload_in_progress: wait, then poll', async () => {
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
    // A wait, not a failure: when to look again, and what to look at.
    expect(again.headers.get('retry-after')).toBe('2');
    expectMatchesOpenApi('post', '/v1/uploads', 409, again.body);
    const polled = await harness.request(
      'GET',
      `/v1/uploads/${again.body.error.details.uploadId}`,
      {
        apiKey: tenant.apiKey,
      },
    );
    expect([polled.status, polled.body.state]).toEqual([200, 'uploaded']);
    // Once verified, the same request is 200 duplicate: done, nothing to send.
    await move(first.body.uploadId, 'verified');
    const done = await ask(tenant, file);
    expect([done.status, done.body.duplicate, done.body.state]).toEqual([200, true, 'verified']);
    expect(done.headers.get('retry-after')).toBeNull();
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

describe('dedup never crosses tenants (issue 12 #2)', () => {
  it('DEDUP_SCOPE=global is refused at boot, saying why', () => {
    expect(() => new ApiHarness({ DEDUP_SCOPE: 'global' })).toThrow(ConfigError);
    expect(() => new ApiHarness({ DEDUP_SCOPE: 'global' })).toThrow(
      /DEDUP_SCOPE: global is no longer supported: it revealed uploads across customers/,
    );
  });

  it("B sending A's hash gets its own upload; neither blocks nor sees the other", async () => {
    const [a, b] = await Promise.all([harness.tenant(), harness.tenant()]);
    const file = uniqueText('cross-tenant');

    // A pending: B gets its own upload, in its own folder, and A is not blocked.
    const aFirst = await ask(a, file);
    const bFirst = await ask(b, file);
    expect([aFirst.status, bFirst.status]).toEqual([201, 201]);
    expect(bFirst.body.uploadId).not.toBe(aFirst.body.uploadId);
    expect(bFirst.body.key.split('/')[0]).not.toBe(aFirst.body.key.split('/')[0]);
    expect(JSON.stringify(bFirst.body)).not.toContain(aFirst.body.uploadId);

    // B's upload arrives (not yet verified): A still just gets its own pending upload, no 409.
    await move(bFirst.body.uploadId, 'uploaded');
    const aAgain = await ask(a, file);
    expect(aAgain.status).toBe(201);
    expect(aAgain.body.uploadId).toBe(aFirst.body.uploadId);

    // B verified: A is not told about a duplicate it could never read.
    await move(bFirst.body.uploadId, 'verified');
    const aThird = await ask(a, file);
    expect(aThird.status).toBe(201);
    expect(aThird.body.uploadId).toBe(aFirst.body.uploadId);
    expect(aThird.body).not.toHaveProperty('duplicate');

    // A verified: B gets its own upload's state, never A's.
    await move(aFirst.body.uploadId, 'uploaded', 'verified', 'clean');
    const bAgain = await ask(b, file);
    expect(bAgain.status).toBe(200);
    expect(bAgain.body).toEqual({
      uploadId: bFirst.body.uploadId,
      state: 'verified',
      key: bFirst.body.key,
      duplicate: true,
    });

    const { rows } = await harness.pool.query(
      'SELECT customer_id AS "customerId", dedup_scope AS "dedupScope" FROM uploads WHERE declared_sha256 = $1 ORDER BY created_at',
      [file.sha256],
    );
    expect(rows).toEqual([
      { customerId: a.customerId, dedupScope: `customer:${a.customerId}` },
      { customerId: b.customerId, dedupScope: `customer:${b.customerId}` },
    ]);
  });

  it('the store refuses an upload row outside its customer scope', async () => {
    const file = uniqueText();
    const { body } = await ask(tenant, file);
    await expect(
      harness.pool.query(`UPDATE uploads SET dedup_scope = 'global' WHERE id = $1`, [
        body.uploadId,
      ]),
    ).rejects.toThrow(/uploads_dedup_per_customer/);
  });

  it("the migration moves 'global' rows to their customer's scope, even beside a customer row", async () => {
    // Run the migration's own SQL against a scratch copy of the table (a temp
    // table shadows `uploads` in this session only), seeded as global left it.
    const sql = readFileSync(join(MIGRATIONS_DIR, '1764000100000_dedup-per-customer.sql'), 'utf8');
    const [a, b] = await Promise.all([harness.tenant(), harness.tenant()]);
    const client = await harness.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        'CREATE TEMP TABLE uploads (LIKE public.uploads INCLUDING DEFAULTS INCLUDING INDEXES) ON COMMIT DROP',
      );
      const row = async (t: Tenant, scope: string, sha: string, state: string) => {
        const { rows } = await client.query(
          `INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name,
             declared_content_type, declared_size, declared_sha256, category, bucket, key,
             state, expires_at)
           VALUES ($1, $2, $3, 'a.txt', 'text/plain', 1, $4, 'text', 'b', 'k', $5, now())
           RETURNING id`,
          [t.customerId, t.siteId, scope, sha, state],
        );
        return rows[0].id as string;
      };
      const [one, two, three] = [uniqueText().sha256, uniqueText().sha256, uniqueText().sha256];
      const aOne = await row(a, 'global', one, 'ready');
      const bOneDead = await row(b, 'global', one, 'rejected');
      const bTwo = await row(b, 'global', two, 'pending');
      const aTwo = await row(a, `customer:${a.customerId}`, two, 'verified');
      // Scope switched customer → global: A holds a live row of `three` in both scopes.
      const aThreeCustomer = await row(a, `customer:${a.customerId}`, three, 'ready');
      const aThreeGlobal = await row(a, 'global', three, 'verified');
      const aThreeGlobalDead = await row(a, 'global', three, 'expired');

      await client.query(sql);

      const { rows } = await client.query<{ id: string; dedupScope: string }>(
        'SELECT id, dedup_scope AS "dedupScope" FROM uploads',
      );
      const scopes = Object.fromEntries(rows.map((r) => [r.id, r.dedupScope]));
      expect(scopes).toEqual({
        [aOne]: `customer:${a.customerId}`,
        [bOneDead]: `customer:${b.customerId}`,
        [bTwo]: `customer:${b.customerId}`,
        [aTwo]: `customer:${a.customerId}`,
        [aThreeCustomer]: `customer:${a.customerId}`,
        [aThreeGlobal]: `customer:${a.customerId}:upload:${aThreeGlobal}`,
        [aThreeGlobalDead]: `customer:${a.customerId}`,
      });
      // A scope that is not the row's own customer's is refused.
      for (const scope of ['global', `customer:${b.customerId}`]) {
        await client.query('SAVEPOINT refused');
        await expect(row(a, scope, uniqueText().sha256, 'pending')).rejects.toThrow(
          /uploads_dedup_per_customer/,
        );
        await client.query('ROLLBACK TO SAVEPOINT refused');
      }
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  });
});

describe('a hash is not a read handle (issue 12 #3)', () => {
  it('another type or size answers 409 upload_conflict naming no upload, whatever the state', async () => {
    const owner = await harness.tenant();
    const secondSite = await harness.tenants.addSite(owner.customerId, 'second site');
    const file = uniqueText('handle');
    const first = await ask(owner, file);
    const id = first.body.uploadId as string;

    const mismatches: Record<string, unknown>[] = [
      { contentType: 'image/png' },
      { size: file.size + 1 },
      { contentType: 'application/pdf', size: file.size + 1 },
      { siteId: secondSite.id, contentType: 'image/png' },
    ];
    for (const state of ['pending', 'uploaded', 'verified', 'clean'] as const) {
      if (state !== 'pending') await move(id, state);
      for (const overrides of mismatches) {
        const response = await ask(owner, file, 'a.png', overrides);
        expect({ state, overrides, status: response.status }).toEqual({
          state,
          overrides,
          status: 409,
        });
        expect(response.body.error.code).toBe('upload_conflict');
        expect(response.body.error).not.toHaveProperty('details');
        expect(JSON.stringify(response.body)).not.toContain(id);
        expect(JSON.stringify(response.body)).not.toContain(first.body.key);
        expectMatchesOpenApi('post', '/v1/uploads', 409, response.body);
      }
    }
  });

  it('the same type and size answers 200 duplicate, from any site of the customer', async () => {
    const owner = await harness.tenant();
    const secondSite = await harness.tenants.addSite(owner.customerId, 'second site');
    const file = uniqueText();
    const first = await ask(owner, file);
    await move(first.body.uploadId, 'verified');

    for (const overrides of [{}, { siteId: secondSite.id }, { contentType: 'Text/Plain' }]) {
      const again = await ask(owner, file, 'other-name.txt', overrides);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({
        uploadId: first.body.uploadId,
        state: 'verified',
        key: first.body.key,
        duplicate: true,
      });
    }
  });
});
