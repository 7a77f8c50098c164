import { randomBytes } from 'node:crypto';
import type { UploadWorld } from '@airlock/core/testing';
import {
  createPool,
  migrate,
  PgTenantAdmin,
  PgUploadRepository,
  PgUploadTokens,
  PgWebhookEndpoints,
  type Pool,
} from '../src/index.ts';

/**
 * A database of the test file's own on the stack's PostgreSQL, migrated from
 * scratch: the stack's running workers (the notifier's relay above all) never
 * touch its rows, and it is dropped afterwards.
 */
async function testDatabase(): Promise<{ pool: Pool; url: string; drop: () => Promise<void> }> {
  const ownerUrl = process.env.DATABASE_URL!;
  const name = `airlock_test_${randomBytes(4).toString('hex')}`;
  const admin = createPool(ownerUrl, { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ownerUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const pool = createPool(url.toString(), { max: 6 });
  return {
    pool,
    url: url.toString(),
    drop: async () => {
      await pool.end();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** A {@link testDatabase} for the test file: created before its tests, dropped after them. */
export function useTestDatabase(use: (pool: Pool, url: string) => void): void {
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const database = await testDatabase();
    drop = database.drop;
    use(database.pool, database.url);
  });
  afterAll(async () => drop());
}

export type Tenant = { customerId: string; siteId: string; apiKeyId: string };

export async function tenant(pool: Pool): Promise<Tenant> {
  const admin = new PgTenantAdmin({ pool });
  const customer = await admin.addCustomer(`contract-${randomBytes(4).toString('hex')}`);
  const site = await admin.addSite(customer.id, 'site');
  const key = await admin.issueKey(customer.id);
  return { customerId: customer.id, siteId: site.id, apiKeyId: key.id };
}

/** A live upload token of the tenant's; its id. */
export async function uploadToken(pool: Pool, owner: Tenant, maxUploads = 10): Promise<string> {
  const minted = await new PgUploadTokens({ pool }).mint(owner.customerId, owner.apiKeyId, {
    siteId: owner.siteId,
    contentTypes: null,
    maxSize: null,
    maxUploads,
    ttlSeconds: 600,
    origin: null,
  });
  return minted!.id;
}

/** {@link UploadWorld} in PostgreSQL: rows as earlier moves would have left them. */
export function pgWorld(pool: Pool): UploadWorld & { uploads: PgUploadRepository } {
  const endpoints = new PgWebhookEndpoints({ pool });
  const uploads = new PgUploadRepository({ pool });
  return {
    uploads,
    async seed(options = {}) {
      const same = options.sameBytesAs;
      const owner = same
        ? { customerId: same.customerId, siteId: same.siteId, apiKeyId: same.apiKeyId! }
        : await tenant(pool);
      const issuer = same ? 'token' : (options.issuer ?? 'api-key');
      const tokenId = issuer === 'token' ? await uploadToken(pool, owner) : null;
      const sha256 = same?.declaredSha256 ?? randomBytes(32).toString('hex');
      const { rows } = await pool.query<{ id: string }>(
        `WITH u AS (
           INSERT INTO uploads (customer_id, site_id, dedup_scope, original_name,
             declared_content_type, declared_size, declared_sha256, category, bucket, key,
             expires_at, state, api_key_id, upload_token_id)
           VALUES ($1, $2, $3, 'photo.png', 'image/png', 10, $4, 'images', $5, $6,
             now() + interval '1 hour', $7, $8, $9)
           RETURNING id, state
         ), seeded AS (
           INSERT INTO upload_events (upload_id, from_state, to_state, actor)
           SELECT id, NULL, state, 'seed' FROM u
         )
         SELECT id FROM u`,
        [
          owner.customerId,
          owner.siteId,
          tokenId
            ? `customer:${owner.customerId}:token:${tokenId}`
            : `customer:${owner.customerId}`,
          sha256,
          options.bucket ?? 'uploads',
          options.key ?? `contract/${sha256}.png`,
          options.state ?? 'pending',
          issuer === 'api-key' ? owner.apiKeyId : null,
          tokenId,
        ],
      );
      // After the seed's own event, so seeding a final state queues nothing.
      if (options.webhookEndpoint)
        await endpoints.put(owner.customerId, 'https://hooks.example/a', 'whsec_x', false);
      return (await uploads.find(rows[0]!.id))!;
    },
    async revokeIssuer(uploadId) {
      await pool.query(
        `UPDATE api_keys SET revoked_at = now() WHERE id = (SELECT api_key_id FROM uploads WHERE id = $1)`,
        [uploadId],
      );
      await pool.query(
        `UPDATE upload_tokens SET revoked_at = now()
         WHERE id = (SELECT upload_token_id FROM uploads WHERE id = $1)`,
        [uploadId],
      );
    },
    async moves(uploadId) {
      const { rows } = await pool.query(
        `SELECT from_state AS "from", to_state AS "to", reason, actor, detail
         FROM upload_events WHERE upload_id = $1 AND actor <> 'seed' ORDER BY id`,
        [uploadId],
      );
      return rows;
    },
    async deliveries(uploadId) {
      const { rows } = await pool.query(
        `SELECT d.id, e.to_state AS state FROM webhook_deliveries d
         JOIN upload_events e ON e.id = d.event_id WHERE d.upload_id = $1 ORDER BY d.created_at`,
        [uploadId],
      );
      return rows;
    },
    async removeEndpoint(customerId) {
      await endpoints.remove(customerId);
    },
  };
}
