import { PgWebhookEndpoints, type Pool } from '../src/index.ts';
import { tenant, useTestDatabase } from './test-database.ts';

let pool: Pool;
useTestDatabase((created) => (pool = created));

describe('PgWebhookEndpoints', () => {
  it('keeps the secret when only the URL changes, and replaces it on rotation', async () => {
    const endpoints = new PgWebhookEndpoints({ pool });
    const { customerId } = await tenant(pool);
    await expect(
      endpoints.put(customerId, 'https://a.example/hook', 'whsec_one', false),
    ).resolves.toMatchObject({ customerId, url: 'https://a.example/hook', secret: 'whsec_one' });
    await expect(
      endpoints.put(customerId, 'https://b.example/hook', 'whsec_two', false),
    ).resolves.toMatchObject({ url: 'https://b.example/hook', secret: 'whsec_one' });
    await expect(
      endpoints.put(customerId, 'https://b.example/hook', 'whsec_three', true),
    ).resolves.toMatchObject({ secret: 'whsec_three' });
    await expect(endpoints.find(customerId)).resolves.toMatchObject({ secret: 'whsec_three' });
  });

  it('removes an endpoint once', async () => {
    const endpoints = new PgWebhookEndpoints({ pool });
    const { customerId } = await tenant(pool);
    await endpoints.put(customerId, 'https://a.example/hook', 'whsec_one', false);
    await expect(endpoints.remove(customerId)).resolves.toBe(true);
    await expect(endpoints.remove(customerId)).resolves.toBe(false);
    await expect(endpoints.find(customerId)).resolves.toBeUndefined();
  });

  it('refuses what the table does not allow: another scheme, a secret without its prefix', async () => {
    const endpoints = new PgWebhookEndpoints({ pool });
    const { customerId } = await tenant(pool);
    await expect(
      endpoints.put(customerId, 'ftp://a.example/hook', 'whsec_one', false),
    ).rejects.toThrow(/check constraint/);
    await expect(
      endpoints.put(customerId, 'https://a.example/hook', 'plain', false),
    ).rejects.toThrow(/check constraint/);
  });
});
