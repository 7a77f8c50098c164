import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const forbid = fileURLToPath(new URL('./support/forbid-dev-stack.ts', import.meta.url));

/** The CLI in a process where loading `@airlock/dev-stack` (or s3rver, fauxqs) throws. */
function airlockWithoutDevStack(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', forbid, cli, ...args],
      { env: { ...env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

describe('the dev stack is loaded by `dev` and `demo` only', () => {
  it('the hook works: `dev status` loads it, and dies', async () => {
    const run = await airlockWithoutDevStack(['dev', 'status', '--json']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('dev stack loaded: @airlock/dev-stack');
  });

  it.each([
    [['--help']],
    [['dlq', 'list', '--json']],
    [['sweep', '--dry-run', '--grace', '999999999', '--json']],
    [['customers', 'add', '--name', 'lazy-dev-stack', '--json']],
    [['top', '--once', '--json', '--interval', '0.2']],
  ])('airlock %j runs without it', async (args) => {
    const run = await airlockWithoutDevStack(args);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).not.toBe('');
  });

  it('as in production (no local stack, no setting): names what to set, dev stack unloaded', async () => {
    const run = await airlockWithoutDevStack(['dlq', 'list'], {
      PATH: process.env.PATH,
      AIRLOCK_HOME: '/nonexistent/airlock-home',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'airlock: Set UPLOAD_EVENTS_DLQ_URL, or start the local stack with `airlock dev up`\n',
    );
  });
});
