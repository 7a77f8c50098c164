/**
 * Keys and sites are held in each API process (TenancyCache): a revocation
 * must still be refused by every process within a second. Two processes
 * here: the stack's running upload-api and this one's (ApiHarness), both
 * warmed with the key before it is revoked the way `airlock keys revoke` does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseApiKey } from '@airlock/core';
import { StackClients, uniqueText } from '@airlock/testing';
import { ApiHarness } from './support/api-harness.ts';

const stack = new StackClients();
const harness = new ApiHarness();
beforeAll(() => harness.start());
afterAll(async () => {
  await harness.stop();
  await stack.close();
});

async function createUpload(baseUrl: string, apiKey: string, siteId: string): Promise<number> {
  const file = uniqueText('revocation');
  const response = await fetch(`${baseUrl}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      siteId,
      fileName: 'a.txt',
      contentType: 'text/plain',
      size: file.size,
      sha256: file.sha256,
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('API key revocation with keys held in process', () => {
  it('is refused by every API process within a second', async () => {
    const tenant = await harness.tenant();
    const processes = [stack.apiUrl, harness.baseUrl];
    // Twice each: the second answer comes from the process's memory.
    for (const baseUrl of [...processes, ...processes]) {
      expect(await createUpload(baseUrl, tenant.apiKey, tenant.siteId)).toBe(201);
    }

    expect(await harness.tenants.revokeKey(parseApiKey(tenant.apiKey)!.prefix)).toBe(true);
    await sleep(1_000);

    for (const baseUrl of processes) {
      expect(await createUpload(baseUrl, tenant.apiKey, tenant.siteId)).toBe(401);
    }
  });

  it("keeps answering another customer's live key", async () => {
    const [revoked, kept] = [await harness.tenant(), await harness.tenant()];
    expect(await createUpload(harness.baseUrl, kept.apiKey, kept.siteId)).toBe(201);
    await harness.tenants.revokeKey(parseApiKey(revoked.apiKey)!.prefix);
    await sleep(1_000);
    expect(await createUpload(harness.baseUrl, kept.apiKey, kept.siteId)).toBe(201);
    expect(await createUpload(harness.baseUrl, revoked.apiKey, revoked.siteId)).toBe(401);
  });
});
