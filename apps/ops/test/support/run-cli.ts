import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export type Run = { code: number; stdout: string; stderr: string };

/** The real `airlock` CLI in a child process, with the stack's environment; stdin is not a terminal. */
export function airlock(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [cliPath, ...args],
      { env: process.env },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}
