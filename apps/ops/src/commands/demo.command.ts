import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { up, type StackEnv } from '@airlock/dev-stack';
import { createPool, PgTenantAdmin } from '@airlock/postgres';
import { createOutput, type Output } from '../output.ts';

const SAMPLE = fileURLToPath(new URL('../../assets/airlock-badge.png', import.meta.url));

async function provisionTenant(env: StackEnv) {
  const pool = createPool(env.DATABASE_URL!, { max: 1 });
  try {
    const tenants = new PgTenantAdmin({ pool });
    const customer = await tenants.addCustomer(`demo-${Date.now()}`);
    const site = await tenants.addSite(customer.id, 'demo-site');
    const key = await tenants.issueKey(customer.id, 'airlock demo');
    return { customer, site, apiKey: key.key };
  } finally {
    await pool.end();
  }
}

type UploadView = {
  state: string;
  reason: string | null;
  history: Array<{ to: string; reason: string | null; at: string }>;
  renditions: Array<{ name: string; width: number; height: number }>;
  downloads?: { original: { url: string } };
};

const SETTLED = new Set(['ready', 'rejected', 'quarantined', 'expired']);

async function followUpload(
  env: StackEnv,
  apiKey: string,
  uploadId: string,
  out: Output,
): Promise<UploadView> {
  const deadline = Date.now() + 30_000;
  let seen = 0;
  for (;;) {
    const { body } = await api(env, apiKey, `/v1/uploads/${uploadId}`);
    const view = body as unknown as UploadView;
    for (const step of view.history.slice(seen)) {
      out.progress(`  ${step.at}  ${step.to}${step.reason ? ` (${step.reason})` : ''}`);
    }
    seen = view.history.length;
    if (SETTLED.has(view.state)) return view;
    if (Date.now() > deadline)
      throw new Error(`upload ${uploadId} is still ${view.state} after 30 s: see .airlock/logs/`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function api(env: StackEnv, apiKey: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${env.AIRLOCK_API_URL}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return { status: response.status, body };
}

export async function runDemo(out: Output, file = SAMPLE, contentType = 'image/png') {
  const env = await up((line) => out.progress(line));
  const { customer, site, apiKey } = await provisionTenant(env);
  out.progress(`\ncustomer ${customer.id}, site ${site.id}, API key issued`);

  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const created = await api(env, apiKey, '/v1/uploads', {
    method: 'POST',
    body: JSON.stringify({
      siteId: site.id,
      fileName: basename(file),
      contentType,
      size: bytes.length,
      sha256,
    }),
  });
  const { uploadId, key, upload } = created.body as {
    uploadId: string;
    key: string;
    upload: { url: string; headers: Record<string, string> };
  };
  out.progress(`POST /v1/uploads → ${created.status}: upload ${uploadId}, key ${key}`);

  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
  if (!put.ok) throw new Error(`PUT to S3 failed: HTTP ${put.status} ${await put.text()}`);
  out.progress(`PUT ${bytes.length} bytes straight to S3 → ${put.status}`);

  // The S3 event reaches the workers through SQS; follow the upload until they are done with it.
  const journey = await followUpload(env, apiKey, uploadId, out);
  return { uploadId, key, upload: journey };
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('start the stack and push a real file through the API, S3 and the workers')
    .option('--file <path>', 'the file to upload', SAMPLE)
    .option('--type <contentType>', 'its content type', 'image/png')
    .option('--json', 'machine-readable output')
    .action(async (options: { file: string; type: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const result = await runDemo(out, options.file, options.type);
      out.result(result, () => [
        '',
        `upload ${result.uploadId}: ${result.upload.state}${result.upload.reason ? ` (${result.upload.reason})` : ''}`,
        ...result.upload.renditions.map((r) => `  rendition ${r.name}: ${r.width}×${r.height}`),
        ...(result.upload.downloads
          ? [`  download (signed, short-lived): ${result.upload.downloads.original.url}`]
          : []),
      ]);
    });
}
