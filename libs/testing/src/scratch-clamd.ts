import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clamdCommand, freePort } from '@airlock/dev-stack';

export type ScratchClamd = {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
};

/**
 * A second clamd beside the stack's: `conf` (a clamd.conf's text, e.g. the
 * stack's, so the same databases, limits and alerts) with `overrides` in place
 * of those options, on a free port of its `TCPAddr`. For a comparison, or a
 * look at what it printed (`output`: a file for its stdout and stderr, where
 * libclamav's debug lines go); stopped by the caller.
 */
export async function startScratchClamd(
  conf: string,
  overrides: Record<string, string>,
  { output }: { output?: string } = {},
): Promise<ScratchClamd> {
  const options: Record<string, string> = { ...overrides };
  const host = options.TCPAddr ?? /^TCPAddr (.+)$/m.exec(conf)?.[1] ?? '127.0.0.1';
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'airlock-scratch-clamd-'));
  mkdirSync(join(dir, 'tmp'));
  Object.assign(options, { TCPSocket: String(port), TemporaryDirectory: join(dir, 'tmp') });
  const lines = conf
    .split('\n')
    .filter((line) => !Object.keys(options).includes(line.split(' ')[0]!));
  const confFile = join(dir, 'clamd.conf');
  writeFileSync(
    confFile,
    [...lines, ...Object.entries(options).map(([k, v]) => `${k} ${v}`), ''].join('\n'),
  );
  const out = output === undefined ? 'ignore' : openSync(output, 'a');
  const child = spawn('/usr/sbin/clamd', [`--config-file=${confFile}`], {
    stdio: ['ignore', out, out],
  });
  if (typeof out === 'number') closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the scratch clamd exited with ${child.exitCode}`);
    }
    if (
      await clamdCommand(host, port, 'PING', 2000).then(
        (reply) => reply === 'PONG',
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
