import { PgTenantAdmin, PgUploadTokens, type Pool } from '../src/index.ts';
import { tenant, useTestDatabase, type Tenant } from './test-database.ts';

// Minting, authenticating and revoking browser upload tokens; the counter is
// core's UploadTokenCounter contract (port-contracts.test.ts).

let pool: Pool;
useTestDatabase((created) => (pool = created));

const limits = (owner: Tenant) => ({
  siteId: owner.siteId,
  contentTypes: ['image/png'],
  maxSize: 5_000_000_000,
  maxUploads: 3,
  ttlSeconds: 600,
  origin: 'https://shop.example',
});

describe('PgUploadTokens', () => {
  const tokens = () => new PgUploadTokens({ pool });

  it('mints a token whose expiry comes from the database clock, and authenticates it', async () => {
    const owner = await tenant(pool);
    await new PgTenantAdmin({ pool }).setSiteOrigins(owner.siteId, ['https://shop.example']);
    const minted = (await tokens().mint(owner.customerId, owner.apiKeyId, limits(owner)))!;
    expect(minted.expiresAt.getTime() - minted.createdAt.getTime()).toBe(600_000);
    await expect(tokens().authenticate(minted.token)).resolves.toEqual({
      id: minted.id,
      customerId: owner.customerId,
      siteId: owner.siteId,
      apiKeyId: owner.apiKeyId,
      contentTypes: ['image/png'],
      maxSize: 5_000_000_000,
      maxUploads: 3,
      expiresAt: minted.expiresAt,
      origin: 'https://shop.example',
      siteOrigins: ['https://shop.example'],
    });
    await expect(tokens().allAllowedOrigins()).resolves.toContain('https://shop.example');
  });

  it("mints nothing for another customer's site", async () => {
    const owner = await tenant(pool);
    const other = await tenant(pool);
    await expect(
      tokens().mint(owner.customerId, owner.apiKeyId, limits(other)),
    ).resolves.toBeUndefined();
  });

  it('authenticates no altered, malformed, revoked or expired token, nor one whose key was revoked', async () => {
    const owner = await tenant(pool);
    const mint = async () =>
      (await tokens().mint(owner.customerId, owner.apiKeyId, limits(owner)))!;
    const altered = await mint();
    await expect(tokens().authenticate(`${altered.token}x`)).resolves.toBeUndefined();
    await expect(tokens().authenticate('ut_nonsense')).resolves.toBeUndefined();

    const revoked = await mint();
    await expect(tokens().revoke(owner.customerId, revoked.id)).resolves.toBe(true);
    await expect(tokens().revoke(owner.customerId, revoked.id)).resolves.toBe(false);
    await expect(tokens().authenticate(revoked.token)).resolves.toBeUndefined();

    const expired = await mint();
    await pool.query('UPDATE upload_tokens SET expires_at = created_at WHERE id = $1', [
      expired.id,
    ]);
    await expect(tokens().authenticate(expired.token)).resolves.toBeUndefined();

    const live = await mint();
    await new PgTenantAdmin({ pool }).revokeKey(owner.apiKeyId);
    await expect(tokens().authenticate(live.token)).resolves.toBeUndefined();
  });

  it("revokes only the customer's own tokens", async () => {
    const owner = await tenant(pool);
    const other = await tenant(pool);
    const minted = (await tokens().mint(owner.customerId, owner.apiKeyId, limits(owner)))!;
    await expect(tokens().revoke(other.customerId, minted.id)).resolves.toBe(false);
    await expect(tokens().authenticate(minted.token)).resolves.toMatchObject({ id: minted.id });
  });

  it('refuses a lifetime over an hour (the table CHECK)', async () => {
    const owner = await tenant(pool);
    await expect(
      tokens().mint(owner.customerId, owner.apiKeyId, { ...limits(owner), ttlSeconds: 3601 }),
    ).rejects.toThrow(/check constraint/);
  });
});
