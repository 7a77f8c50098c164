import type { BenchStack, BenchTenant } from '../bench-stack.ts';
import type { FileSpec } from '../load/e2e-client.ts';
import type { SetRun } from './run-set.ts';
import { scanReuse, type ScanReuse } from './scan-reuse.ts';

export type RepeatsRun = {
  readonly first: SetRun;
  readonly again: SetRun;
  /** Undefined: the database records no verdict reuse yet. */
  readonly reuse: ScanReuse | undefined;
};

/** An upload token of the tenant's site: its uploads dedup among themselves only. */
async function mintToken(stack: BenchStack, tenant: BenchTenant, uploads: number): Promise<string> {
  const response = await fetch(`${stack.env.AIRLOCK_API_URL}/v1/upload-tokens`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.apiKeys[0]}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ siteId: tenant.siteId, maxUploads: uploads }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || !body.token) {
    throw new Error(`POST /v1/upload-tokens answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.token;
}

/**
 * The same small files twice from one customer: first with its API key,
 * then through an upload token (a page's visitors sending what others sent:
 * a token's uploads are deduplicated among themselves only, so the bytes
 * reach the pipeline again). Clamd should be asked once per content.
 */
export async function runRepeats(
  stack: BenchStack,
  tenant: BenchTenant,
  files: readonly FileSpec[],
  send: (tenant: BenchTenant, files: readonly FileSpec[]) => Promise<SetRun>,
): Promise<RepeatsRun> {
  const first = await send(tenant, files);
  const token = await mintToken(stack, tenant, files.length);
  const again = await send({ ...tenant, apiKeys: [token] }, files);
  const ids = [...first.timelines, ...again.timelines].map((timeline) => timeline.upload.uploadId);
  return { first, again, reuse: await scanReuse(stack.clients.pool, ids) };
}
