import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { status, up, type StackEnv } from '@airlock/dev-stack';
import { createPool, PgTenantAdmin } from '@airlock/postgres';
import { startDemoWebhookReceiver, type DemoWebhookReceiver } from '../demo-webhook-receiver.ts';
import { createOutput, type Output } from '../output.ts';

const asset = (name: string) => fileURLToPath(new URL(`../../assets/${name}`, import.meta.url));

// The EICAR test string is built at run time, never stored: a scanner on the
// developer's machine would otherwise quarantine the repository itself.
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR', 'STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(
  '-',
);

type DemoFile = { name: string; contentType: string; bytes: () => Promise<Buffer> };

const SAMPLES: readonly DemoFile[] = [
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

async function uploadOne(
  env: StackEnv,
  apiKey: string,
  siteId: string,
  file: DemoFile,
  receiver: DemoWebhookReceiver,
  out: Output,
) {
  const bytes = await file.bytes();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const created = await api(env, apiKey, '/v1/uploads', {
    method: 'POST',
    body: JSON.stringify({
      siteId,
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
  out.progress(`\n${file.name}: POST /v1/uploads → ${created.status}, upload ${uploadId}`);
  const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
  if (!put.ok) throw new Error(`PUT to S3 failed: HTTP ${put.status} ${await put.text()}`);
  out.progress(`  PUT ${bytes.length} bytes straight to S3 → ${put.status}`);
  // The S3 event reaches the workers through SQS; follow the upload until they are done with it.
  const settled = await followUpload(env, apiKey, uploadId, out);
  const webhook = await receiver.callFor(uploadId);
  out.progress(
    webhook
      ? `  webhook ${webhook.type} received, signature ${webhook.verified ? 'verified' : 'INVALID'}`
      : '  no webhook within 10 s: see .airlock/logs/notifier.log',
  );
  return { file: file.name, uploadId, upload: settled, webhook: webhook ?? null };
}

export async function runDemo(out: Output, files: readonly DemoFile[] = SAMPLES) {
  const env = await up((line) => out.progress(line));
  const { customer, site, apiKey } = await provisionTenant(env);
  out.progress(`\ncustomer ${customer.id}, site ${site.id}, API key issued`);
  const receiver = await startDemoWebhookReceiver();
  try {
    const { body } = await api(env, apiKey, '/v1/webhook', {
      method: 'PUT',
      body: JSON.stringify({ url: receiver.url }),
    });
    receiver.useSecret(String(body.secret));
    out.progress(`webhook registered: ${receiver.url}`);
    const results = [];
    for (const file of files) {
      results.push(await uploadOne(env, apiKey, site.id, file, receiver, out));
    }
    return results;
  } finally {
    await receiver.close();
  }
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start the stack and push a photo, a PDF and the EICAR test file through the API, S3 and every worker',
    )
    .option('--file <path>', 'upload this file instead')
    .option('--type <contentType>', 'its content type (with --file)')
    .option('--json', 'machine-readable output')
    .action(async (options: { file?: string; type?: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      if (options.file && !options.type) throw new Error('--file needs --type <contentType>');
      const files = options.file
        ? [
            {
              name: basename(options.file),
              contentType: options.type!,
              bytes: () => readFile(options.file!),
            },
          ]
        : SAMPLES;
      const results = await runDemo(out, files);
      const webUrl = status().env?.AIRLOCK_WEB_URL;
      out.result(results, () => [
        ...results.flatMap(({ file, uploadId, upload, webhook }) => [
          '',
          `${file} (upload ${uploadId}): ${upload.state}${upload.reason ? ` (${upload.reason})` : ''}`,
          `  webhook: ${webhook ? `${webhook.type}, signature ${webhook.verified ? 'verified' : 'INVALID'}` : 'none'}`,
          ...upload.renditions.map((r) => `  rendition ${r.name}: ${r.width}×${r.height}`),
          ...(upload.downloads
            ? [`  download (signed, short-lived): ${upload.downloads.original.url}`]
            : []),
        ]),
        ...(webUrl
          ? ['', `Now from a browser: open ${webUrl} and drop files on the demo page.`]
          : []),
      ]);
    });
}
