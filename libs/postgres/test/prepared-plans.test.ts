import { createPool, PgUploadRepository, type Pool } from '../src/index.ts';
import { tenant, useTestDatabase } from './test-database.ts';

// The hot statements are prepared, and their plans are worth keeping: the
// dedup lookup is written so that a generic plan can use the partial unique
// index `uploads_live_content` (a state set passed as a parameter cannot).

let url: string;
let owner: Pool;
useTestDatabase((created, createdUrl) => {
  owner = created;
  url = createdUrl;
});

it('keeps one generic plan for the dedup + insert statement, on the partial unique index', async () => {
  const session = createPool(url, { max: 1 });
  try {
    const uploads = new PgUploadRepository({ pool: session });
    const { customerId, siteId } = await tenant(owner);
    // Enough rows that a plan unable to use the index (a sequential scan) costs far more.
    await owner.query(
      `INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name, declared_content_type,
         declared_size, declared_sha256, category, bucket, key, expires_at)
       SELECT $1::uuid, $2::uuid, 'customer:' || $1::text, 'a.txt', 'text/plain', 1, 'a' || lpad(to_hex(n), 63, '0'),
         'text', 'uploads', 'k/' || n, now() + interval '1 hour'
       FROM generate_series(1, 20000) AS n`,
      [customerId, siteId],
    );
    await owner.query('ANALYZE uploads');
    for (let i = 0; i < 12; i++) {
      const sha = i.toString(16).padStart(64, '0');
      const found = await uploads.insertPendingUnlessLive(
        {
          customerId,
          siteId,
          dedupScope: `customer:${customerId}`,
          originalName: 'a.txt',
          declaredContentType: 'text/plain',
          declaredSize: 1,
          declaredSha256: sha,
          category: 'text',
          bucket: 'uploads',
          key: `k/${sha}`,
          expiresAt: new Date(Date.now() + 60_000),
        },
        'api',
      );
      expect(found?.created).toBe(true);
    }
    const { rows } = await session.query<{ generic: string; custom: string }>(
      `SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements
       WHERE name = 'upload-insert-unless-live'`,
    );
    expect(Number(rows[0]!.generic)).toBeGreaterThan(0);
  } finally {
    await session.end();
  }
});
