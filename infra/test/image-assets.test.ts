import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App } from 'aws-cdk-lib';
import { AirlockStack } from '../src/airlock-stack.ts';
import { DEFAULT_SETTINGS } from '../src/settings.ts';

// The default settings build both images from their Dockerfiles at deploy
// time. Synth stages each build context; .dockerignore must keep the app's
// to what the Dockerfile copies (no node_modules, no .git, no tests).
const outdir = mkdtempSync(join(tmpdir(), 'airlock-cdk-'));
const app = new App({ outdir });
new AirlockStack(app, 'Airlock', { settings: DEFAULT_SETTINGS });
const assembly = app.synth();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

type DockerAsset = {
  source: { directory: string; dockerBuildTarget?: string; platform?: string };
};
const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Airlock.assets.json'), 'utf8'));
const dockerAssets = Object.values(manifest.dockerImages as Record<string, DockerAsset>);
const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
const staged = (predicate: (asset: DockerAsset) => boolean) => {
  const asset = dockerAssets.find(predicate)!;
  return { asset, files: files(join(assembly.directory, asset.source.directory)) };
};

describe('image assets', () => {
  it('are two: the apps (target runtime) and clamd, both for linux/amd64', () => {
    expect(dockerAssets).toHaveLength(2);
    for (const asset of dockerAssets) expect(asset.source.platform).toBe('linux/amd64');
    const targets = dockerAssets.map((a) => a.source.dockerBuildTarget ?? 'default');
    expect(targets.sort()).toEqual(['default', 'runtime']);
  });

  it('stage only what the app image copies', () => {
    const { files: appFiles } = staged((a) => a.source.dockerBuildTarget === 'runtime');
    expect(appFiles).toEqual(
      expect.arrayContaining([
        'Dockerfile',
        'package.json',
        'package-lock.json',
        'infra/docker/entrypoint.sh',
        'infra/package.json',
        'bench/package.json',
        'apps/upload-api/src/main.ts',
        'apps/ops/src/cli.ts',
        'libs/postgres/package.json',
        'libs/testing/package.json',
      ]),
    );
    expect(appFiles.some((f) => f.startsWith('libs/postgres/migrations/'))).toBe(true);
    const leaked = appFiles.filter(
      (f) =>
        /(^|\/)(node_modules|test|coverage|cdk\.out|\.git|\.nx|\.airlock)\//.test(f) ||
        f.endsWith('.spec.ts') ||
        /jest[^/]*\.config\.js$/.test(f) ||
        f.startsWith('libs/testing/src/') ||
        f.startsWith('infra/src/') ||
        f.startsWith('infra/clamav/') ||
        f.startsWith('bench/src/'),
    );
    expect(leaked).toEqual([]);
  });

  it("stage clamd's Dockerfile and config, not the test signatures", () => {
    const { files: clamdFiles } = staged((a) => a.source.dockerBuildTarget === undefined);
    expect(clamdFiles.sort()).toEqual(['.dockerignore', 'Dockerfile', 'clamd.docker.conf']);
  });

  it('name a Dockerfile that has the runtime target', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(existsSync(new URL('../docker/entrypoint.sh', import.meta.url))).toBe(true);
  });
});
