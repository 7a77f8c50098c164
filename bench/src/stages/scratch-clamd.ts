import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClamdScanner } from '@airlock/clamav';

export type ScratchClamd = {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
};

const freePort = (host: string) =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * A second clamd beside the stack's: its clamd.conf (same databases, limits
 * and alerts) with `overrides` in place of those options, on a free loopback
 * port. For one stage's comparison; stopped by the caller.
 */
export async function startScratchClamd(
  stackHome: string,
  overrides: Record<string, string>,
): Promise<ScratchClamd> {
  const stackConf = readFileSync(join(stackHome, 'clamav', 'clamd.conf'), 'utf8');
  const host = /^TCPAddr (.+)$/m.exec(stackConf)?.[1] ?? '127.0.0.1';
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-clamd-'));
  mkdirSync(join(dir, 'tmp'));
  const options: Record<string, string> = {
    ...overrides,
    TCPSocket: String(port),
    TemporaryDirectory: join(dir, 'tmp'),
  };
  const lines = stackConf
    .split('\n')
    .filter((line) => !Object.keys(options).includes(line.split(' ')[0]!));
  const conf = join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [...lines, ...Object.entries(options).map(([k, v]) => `${k} ${v}`), ''].join('\n'),
  );
  const child = spawn('/usr/sbin/clamd', [`--config-file=${conf}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const client = new ClamdScanner({}, { host, port, timeoutMs: 2000 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the scratch clamd exited with ${child.exitCode}`);
    }
    if (
      await client.ping().then(
        () => true,
        () => false,
      )
    )
      return { host, port, pid: child.pid!, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the scratch clamd did not answer PING within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
