import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Pool } from '@airlock/postgres';

/** Linux's USER_HZ: /proc times are in these ticks. */
const TICKS_PER_SECOND = 100;

export type WatchedProcess = { readonly name: string; readonly pid: number };

/** utime, stime, cutime, cstime (fields 14–17 of /proc/<pid>/stat) and the parent pid. */
function stat(pid: number): { own: number; reaped: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; every field after it is a number.
    const fields = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return {
      ppid: fields[1]!,
      own: (fields[11]! + fields[12]!) / TICKS_PER_SECOND,
      reaped: (fields[13]! + fields[14]!) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds each process has used so far, its children included (the
 * PostgreSQL backends under the postmaster, live and already exited).
 * Empty where /proc is not there to read.
 */
export function cpuSeconds(processes: readonly WatchedProcess[]): Record<string, number> {
  if (!existsSync('/proc/self/stat')) return {};
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = stat(pid)?.ppid;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const total = (pid: number): number => {
    const own = stat(pid);
    if (!own) return 0;
    return (
      own.own + own.reaped + (children.get(pid) ?? []).reduce((sum, child) => sum + total(child), 0)
    );
  };
  return Object.fromEntries(processes.map(({ name, pid }) => [name, total(pid)]));
}

/** PostgreSQL's postmaster, when it runs on this machine: its backends are its children. */
export async function postmaster(pool: Pool): Promise<WatchedProcess[]> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0] ? stat(rows[0].pid)?.ppid : undefined;
  return pid ? [{ name: 'postgres', pid }] : [];
}

export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, seconds]) => [
      name,
      Math.max(0, seconds - (before[name] ?? 0)),
    ]),
  );
}

/** Busy and total CPU ms of the whole machine so far (every core, every process). */
export function machineTicks(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}
