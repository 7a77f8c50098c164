import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { APP_NAMES } from '../src/settings.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const entrypoint = fileURLToPath(new URL('../docker/entrypoint.sh', import.meta.url));
const run = (...args: string[]) =>
  spawnSync('sh', [entrypoint, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 });

describe('the image entrypoint', () => {
  it('starts every long-running app from its main.ts', () => {
    const appCase = /^\s*(upload-api[^)]*)\)$/m.exec(readFileSync(entrypoint, 'utf8'))![1]!;
    const apps = appCase.split('|').map((app) => app.trim());
    expect(apps).toEqual([...APP_NAMES]);
    for (const app of apps) expect(existsSync(`${repoRoot}/apps/${app}/src/main.ts`)).toBe(true);
  });

  it('applies migrations through the CLI that `airlock db migrate` runs', () => {
    expect(readFileSync(entrypoint, 'utf8')).toContain('node apps/ops/src/cli.ts db migrate');
    expect(existsSync(`${repoRoot}/apps/ops/src/cli.ts`)).toBe(true);
  });

  it('then creates the database login of each app given a password (one role per app)', () => {
    expect(readFileSync(entrypoint, 'utf8')).toContain(
      'exec node libs/postgres/src/app-logins.main.ts',
    );
    expect(existsSync(`${repoRoot}/libs/postgres/src/app-logins.main.ts`)).toBe(true);
  });

  it('runs the operators’ CLI with its arguments', () => {
    const result = run('airlock', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Airlock operators' CLI");
  });

  it('refuses an unknown app with usage and exit code 64', () => {
    const result = run('nope');
    expect(result.status).toBe(64);
    expect(result.stderr).toContain('usage:');
  });
});
