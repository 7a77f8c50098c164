import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type CliRun = { code: number; stdout: string; stderr: string };

// The CLI runs as a child process, as an operator runs it: found through its
// package's `bin`, so no test imports or reaches into apps/ops.
const opsManifest = new URL(import.meta.resolve('@airlock/ops/package.json'));
const { bin } = JSON.parse(readFileSync(opsManifest, 'utf8')) as { bin: { airlock: string } };

export const airlockCliPath = fileURLToPath(new URL(bin.airlock, opsManifest));

/** The real `airlock` CLI with the test's environment; stdin is not a terminal. Never rejects on an exit code. */
export function runAirlock(...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [airlockCliPath, ...args],
      { env: process.env },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** `airlock … --json`, parsed; throws with the exit code and stderr unless it exits 0 silently. */
export async function airlockJson<T>(...args: string[]): Promise<T> {
  const run = await runAirlock(...args, '--json');
  if (run.code !== 0 || run.stderr !== '')
    throw new Error(`airlock ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** `airlock …`'s stdout; throws with the exit code and stderr on a non-zero exit. */
export async function airlockStdout(...args: string[]): Promise<string> {
  const run = await runAirlock(...args);
  if (run.code !== 0)
    throw new Error(`airlock ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}
