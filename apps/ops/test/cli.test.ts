import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { airlockJson } from '@airlock/testing';
import { airlock } from './support/run-cli.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Runs `script` in bash with `input` on stdin, from a file: Node's stdio
 * pipes are sockets, and bash sources ~/.bashrc when stdin is a socket.
 */
async function bash(script: string, input: string): Promise<{ stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-cli-test-'));
  const file = join(dir, 'stdin');
  await writeFile(file, input);
  const stdin = await open(file);
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', script], {
        // Nothing of the stack inherited: whatever is echoed comes from the eval.
        env: { PATH: process.env.PATH },
        stdio: [stdin.fd, 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve({ stdout, stderr })
          : reject(new Error(`bash exited ${code}: ${stderr}`)),
      );
    });
  } finally {
    await stdin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const apiUrl = () => process.env.AIRLOCK_API_URL!;

async function createUpload(apiKey: string, siteId: string) {
  const bytes = Buffer.from(`ops cli test ${randomBytes(16).toString('hex')}\n`);
  const response = await fetch(`${apiUrl()}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      siteId,
      fileName: 'notes.txt',
      contentType: 'text/plain',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('airlock customers, sites and keys', () => {
  const name = `cli-test-${randomBytes(4).toString('hex')}`;
  let customerId: string;
  let siteId: string;
  let issued: { id: string; prefix: string; key: string; customerId: string };

  it('adds a customer', async () => {
    const customer = await airlockJson<{ id: string; name: string }>(
      'customers',
      'add',
      '--name',
      name,
    );
    expect(customer.id).toMatch(UUID);
    expect(customer.name).toBe(name);
    customerId = customer.id;
  });

  it('adds a site to it', async () => {
    const site = await airlockJson<{ id: string; customerId: string; name: string }>(
      'sites',
      'add',
      '--customer',
      customerId,
      '--name',
      's',
    );
    expect(site).toMatchObject({ id: expect.stringMatching(UUID), customerId, name: 's' });
    siteId = site.id;
  });

  it('sets a site’s browser origins (--origin, repeatable, normalised) and shows them', async () => {
    const added = await airlockJson<{ id: string; allowedOrigins: string[] }>(
      'sites',
      'add',
      '--customer',
      customerId,
      '--name',
      'shop',
      '--origin',
      'https://Shop.Example/',
      '--origin',
      'http://localhost:5173',
    );
    expect(added.allowedOrigins).toEqual(['https://shop.example', 'http://localhost:5173']);
    const set = await airlockJson<{ allowedOrigins: string[] }>(
      'sites',
      'origins',
      added.id,
      '--origin',
      'https://admin.example',
    );
    expect(set.allowedOrigins).toEqual(['https://admin.example']);
    const listed = await airlock('sites', 'list', '--customer', customerId);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`site ${added.id} (shop) origins: https://admin.example`);
    expect(listed.stdout).toContain(`site ${siteId} (s) origins: none`);
    const cleared = await airlockJson<{ allowedOrigins: string[] }>(
      'sites',
      'origins',
      added.id,
      '--clear',
    );
    expect(cleared.allowedOrigins).toEqual([]);

    for (const bad of ['https://shop.example/path', 'shop.example', 'null']) {
      const refused = await airlock('sites', 'origins', added.id, '--origin', bad);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/^airlock: .*not a browser origin.*\n$/);
    }
  });

  it('issues a key that the running API accepts', async () => {
    issued = await airlockJson('keys', 'issue', '--customer', customerId);
    expect(issued.key).toMatch(/^ak_[0-9a-f]{12}_/);
    expect(issued.key.startsWith(`ak_${issued.prefix}_`)).toBe(true);
    expect(issued.customerId).toBe(customerId);

    const created = await createUpload(issued.key, siteId);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ uploadId: expect.stringMatching(UUID) });
  });

  it('revokes the key: the API refuses it, and a second revoke finds nothing', async () => {
    expect(await airlockJson('keys', 'revoke', issued.prefix)).toEqual({ revoked: true });
    expect((await createUpload(issued.key, siteId)).status).toBe(401);

    const again = await airlock('keys', 'revoke', issued.prefix, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({ revoked: false });
  });

  it('fails a bad invocation with one line on stderr, not a stack trace', async () => {
    const run = await airlock('sites', 'add', '--customer', 'not-a-uuid', '--name', 'x');
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^airlock: .+\n$/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('airlock dev status', () => {
  it('--env prints export lines that reproduce the stack environment in a shell', async () => {
    const run = await airlock('dev', 'status', '--env');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^export [A-Z][A-Z0-9_]*='.*'$/);

    const echoed = await bash(
      'eval "$(cat)"; echo "$DATABASE_URL|$SQS_ENDPOINT|$UPLOAD_EVENTS_QUEUE_URL"',
      run.stdout,
    );
    expect(echoed).toEqual({
      stdout: `${process.env.DATABASE_URL}|${process.env.SQS_ENDPOINT}|${process.env.UPLOAD_EVENTS_QUEUE_URL}\n`,
      stderr: '',
    });
  });

  it('--json lists the emulators and the upload API running (every replica, by group)', async () => {
    const current = await airlockJson<{
      services: Array<{ name: string; group: string; running: boolean; pid: number }>;
      replicas: number;
      env: Record<string, string>;
    }>('dev', 'status');
    for (const group of ['emulators', 'upload-api']) {
      const members = current.services.filter((s) => s.group === group);
      expect(members).toHaveLength(group === 'emulators' ? 1 : current.replicas);
      for (const member of members) {
        expect(member).toEqual({
          name:
            current.replicas > 1 && group !== 'emulators'
              ? expect.stringMatching(/^upload-api-\d$/)
              : group,
          group,
          running: true,
          pid: expect.any(Number),
        });
      }
    }
    expect(current.env.AIRLOCK_API_URL).toBe(apiUrl());
  });

  it("--json gives every process's /metrics page, by stage, each answering apart from the API's port", async () => {
    const { env } = await airlockJson<{ env: Record<string, string> }>('dev', 'status');
    const pages = Object.fromEntries(
      env.AIRLOCK_METRICS_URLS!.split(',').map((entry) => entry.split('=', 2) as [string, string]),
    );
    expect(Object.keys(pages)).toEqual(['api', 'verifier', 'scanner', 'media', 'notifier']);
    for (const [stage, url] of Object.entries(pages)) {
      const page = await fetch(url);
      expect([stage, page.status]).toEqual([stage, 200]);
      expect(await page.text()).toContain(`service="${stage === 'api' ? 'upload-api' : stage}"`);
    }
    expect(new URL(pages.api!).port).not.toBe(new URL(apiUrl()).port);
  });
});
