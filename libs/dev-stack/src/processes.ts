import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type ProcessDirs = { readonly logs: string; readonly run: string };

const pidFile = (dirs: ProcessDirs, name: string) => join(dirs.run, `${name}.pid`);
export const logFile = (dirs: ProcessDirs, name: string) => join(dirs.logs, `${name}.log`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningPid(dirs: ProcessDirs, name: string): number | undefined {
  const file = pidFile(dirs, name);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

/** A program and its arguments; a bare string is a Node script run by this Node. */
export type DetachedCommand =
  string | { readonly command: string; readonly args: readonly string[] };

/** Starts a process detached from this CLI, its output appended to a log file. */
export function startDetached(
  dirs: ProcessDirs,
  name: string,
  what: DetachedCommand,
  env: NodeJS.ProcessEnv,
): number {
  const { command, args } =
    typeof what === 'string' ? { command: process.execPath, args: [what] } : what;
  mkdirSync(dirs.logs, { recursive: true });
  mkdirSync(dirs.run, { recursive: true });
  const log = openSync(logFile(dirs, name), 'a');
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env,
  });
  closeSync(log);
  child.unref();
  // A program that cannot be run has no pid; its 'error' event would come later.
  child.on('error', () => {});
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command}`);
  writeFileSync(pidFile(dirs, name), String(child.pid));
  return child.pid;
}

export async function stopProcess(
  dirs: ProcessDirs,
  name: string,
  graceMs = 10_000,
): Promise<boolean> {
  const pid = runningPid(dirs, name);
  rmSync(pidFile(dirs, name), { force: true });
  if (pid === undefined) return false;
  if (!signal(pid, 'SIGTERM')) return true;
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; await sleep(100)) {
    if (!isAlive(pid)) return true;
  }
  signal(pid, 'SIGKILL');
  return true;
}

/** Sends `sig`; false when the process had already gone (it may exit between check and kill). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Polls `probe` until it resolves true; fails with the log's tail otherwise. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; log?: string; pid?: number | undefined },
): Promise<void> {
  let outcome = `did not become ready in ${options.timeoutMs} ms`;
  for (const deadline = Date.now() + options.timeoutMs; Date.now() < deadline; await sleep(150)) {
    if (await probe().catch(() => false)) return;
    if (options.pid !== undefined && !isAlive(options.pid)) {
      outcome = 'exited before it was ready';
      break;
    }
  }
  const tail =
    options.log && existsSync(options.log) ? readFileSync(options.log, 'utf8').slice(-2000) : '';
  throw new Error(`${what} ${outcome}${tail ? `:\n${tail}` : ''}`);
}

/** The names of every process with a pid file (running or not). */
export function recordedNames(dirs: ProcessDirs): string[] {
  if (!existsSync(dirs.run)) return [];
  return readdirSync(dirs.run)
    .filter((file) => file.endsWith('.pid'))
    .map((file) => file.slice(0, -'.pid'.length));
}
