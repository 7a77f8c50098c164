import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createPool, PgTenantAdmin } from '@airlock/postgres';
import { startDemoWebhookReceiver, type DemoWebhookReceiver } from './demo-webhook-receiver.ts';

const asset = (name: string) => fileURLToPath(new URL(`../../assets/${name}`, import.meta.url));

// The EICAR test string is built at run time, never stored: a scanner on the
// developer's machine would otherwise quarantine the repository itself.
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR', 'STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(
  '-',
);

export type DemoFile = { name: string; contentType: string; bytes: () => Promise<Buffer> };

/** A photo and a PDF that end `ready`, and EICAR that ends `quarantined`. */
export const DEMO_SAMPLES: readonly DemoFile[] = [
  {
    name: 'sample-photo.jpg',
    contentType: 'image/jpeg',
    bytes: () => readFile(asset('sample-photo.jpg')),
  },
  {
    name: 'sample-document.pdf',
    contentType: 'application/pdf',
    bytes: () => readFile(asset('sample-document.pdf')),
  },
  { name: 'eicar.txt', contentType: 'text/plain', bytes: async () => Buffer.from(`${EICAR}\n`) },
];

/** The running stack the demo drives: its API, and its database for a fresh tenant. */
export type DemoStack = { readonly apiUrl: string; readonly databaseUrl: string };

type Log = (line: string) => void;

async function provisionTenant(stack: DemoStack) {
  const pool = createPool(stack.databaseUrl, { max: 1 });
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

async function api(stack: DemoStack, apiKey: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
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

async function followUpload(
  stack: DemoStack,
  apiKey: string,
  uploadId: string,
  log: Log,
): Promise<UploadView> {
  const deadline = Date.now() + 30_000;
  let seen = 0;
  for (;;) {
    const { body } = await api(stack, apiKey, `/v1/uploads/${uploadId}`);
    const view = body as unknown as UploadView;
    for (const step of view.history.slice(seen)) {
      log(`  ${step.at}  ${step.to}${step.reason ? ` (${step.reason})` : ''}`);
    }
    seen = view.history.length;
    if (SETTLED.has(view.state)) return view;
    if (Date.now() > deadline)
      throw new Error(`upload ${uploadId} is still ${view.state} after 30 s: see .airlock/logs/`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function uploadOne(
  stack: DemoStack,
  tenant: { apiKey: string; siteId: string },
  file: DemoFile,
  receiver: DemoWebhookReceiver,
  log: Log,
) {
  const bytes = await file.bytes();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const created = await api(stack, tenant.apiKey, '/v1/uploads', {
    method: 'POST',
    body: JSON.stringify({
      siteId: tenant.siteId,
      fileName: file.name,
      contentType: file.contentType,
      size: bytes.length,
      sha256,
    }),
  });
  const { uploadId, upload } = created.body as {
    uploadId: string;
    upload: { url: string; headers: Record<string, string> };
  };
  log(`\n${file.name}: POST /v1/uploads → ${created.status}, upload ${uploadId}`);
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
  if (!put.ok) throw new Error(`PUT to S3 failed: HTTP ${put.status} ${await put.text()}`);
  log(`  PUT ${bytes.length} bytes straight to S3 → ${put.status}`);
  // The S3 event reaches the workers through SQS; follow the upload until they are done with it.
  const settled = await followUpload(stack, tenant.apiKey, uploadId, log);
  const webhook = await receiver.callFor(uploadId);
  log(
    webhook
      ? `  webhook ${webhook.type} received, signature ${webhook.verified ? 'verified' : 'INVALID'}`
      : '  no webhook within 10 s: see .airlock/logs/notifier.log',
  );
  return { file: file.name, uploadId, upload: settled, webhook: webhook ?? null };
}

export type DemoResult = Awaited<ReturnType<typeof uploadOne>>;

/**
 * A fresh customer, site and API key, a webhook endpoint of its own, then
 * each file through the API, S3 and every worker, each transition logged.
 */
export async function runDemo(
  stack: DemoStack,
  log: Log,
  files: readonly DemoFile[] = DEMO_SAMPLES,
): Promise<DemoResult[]> {
  const { customer, site, apiKey } = await provisionTenant(stack);
  log(`\ncustomer ${customer.id}, site ${site.id}, API key issued`);
  const receiver = await startDemoWebhookReceiver();
  try {
    const { body } = await api(stack, apiKey, '/v1/webhook', {
      method: 'PUT',
      body: JSON.stringify({ url: receiver.url }),
    });
    receiver.useSecret(String(body.secret));
    log(`webhook registered: ${receiver.url}`);
    const results = [];
    for (const file of files) {
      results.push(await uploadOne(stack, { apiKey, siteId: site.id }, file, receiver, log));
    }
    return results;
  } finally {
    await receiver.close();
  }
}
