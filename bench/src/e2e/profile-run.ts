import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopService, up } from '@airlock/dev-stack';
import { hottestFunctions, type CpuProfile, type HotFunction } from '../profile/cpu-profile.ts';

export type ProcessProfile = {
  readonly process: string;
  /** Where the .cpuprofile was kept (speedscope or Chrome DevTools open it). */
  readonly file: string;
  readonly top: HotFunction[];
};

/**
 * Runs `load` with one of the stack's apps restarted under node --cpu-prof,
 * then restarts it plain. The profile is written when the app exits; it is
 * copied to `keepAs` and its hottest functions by self time returned.
 *
 * A worker is stopped once the load has begun: it finishes its long poll
 * before it exits (up to 20 s when idle), and killing it instead would let
 * the queue hand messages to the dead poll, hidden for a visibility timeout.
 * With messages arriving, its poll returns at once and what it received is
 * released. The API has no poll: it is stopped before the load.
 */
export async function profileWhile(
  service: string,
  keepAs: string,
  repositoryRoot: string,
  load: () => Promise<void>,
): Promise<ProcessProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cpu-prof-'));
  const polls = service !== 'upload-api';
  try {
    let loading: Promise<void> | undefined;
    if (polls) {
      loading = load();
      loading.catch(() => {});
    }
    await stopService(service, 25_000);
    process.env.AIRLOCK_DEV_CPU_PROF = service;
    process.env.AIRLOCK_DEV_CPU_PROF_DIR = dir;
    try {
      await up();
      await (loading ?? load());
    } finally {
      await stopService(service);
      delete process.env.AIRLOCK_DEV_CPU_PROF;
      delete process.env.AIRLOCK_DEV_CPU_PROF_DIR;
      await up();
    }
    const written = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
    if (written.length !== 1) {
      throw new Error(`${service} wrote ${written.length} CPU profiles, expected 1`);
    }
    copyFileSync(join(dir, written[0]!), keepAs);
    const profile = JSON.parse(readFileSync(keepAs, 'utf8')) as CpuProfile;
    return { process: service, file: keepAs, top: hottestFunctions(profile, 10, repositoryRoot) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
