import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, stopService, up } from '../src/stack.ts';

/** The first process of an app, whatever the stack's replica count (`scanner` or `scanner-1`). */
const pidOf = (app: string) => status().services.find((service) => service.group === app)?.pid;

/** The environment a running process was started with. */
const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

describe('profiling one app of the stack (AIRLOCK_DEV_CPU_PROF)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cpu-prof-test-'));

  afterAll(async () => {
    delete process.env.AIRLOCK_DEV_CPU_PROF;
    delete process.env.AIRLOCK_DEV_CPU_PROF_DIR;
    await up();
    rmSync(dir, { recursive: true, force: true });
  });

  // The demo web app: it has no long poll to wait out, so it stops at once.
  it('restarts the named app under --cpu-prof, which writes its profile when stopped', async () => {
    const plainPid = pidOf('web');
    expect(await stopService('web')).toBe(true);
    process.env.AIRLOCK_DEV_CPU_PROF = 'web';
    process.env.AIRLOCK_DEV_CPU_PROF_DIR = dir;
    await up();

    const profiledPid = pidOf('web')!;
    expect(profiledPid).not.toBe(plainPid);
    expect(environOf(profiledPid)).toContainEqual(expect.stringContaining('--cpu-prof'));
    // Only the named app: the others keep running as they were.
    expect(environOf(pidOf('scanner')!)).not.toContainEqual(expect.stringContaining('--cpu-prof'));

    expect(await stopService('web')).toBe(true);
    const written = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
    expect(written).toHaveLength(1);
    const profile = JSON.parse(readFileSync(join(dir, written[0]!), 'utf8')) as {
      nodes: unknown[];
      samples: number[];
    };
    expect(profile.nodes.length).toBeGreaterThan(1);
    expect(profile.samples.length).toBeGreaterThan(0);

    delete process.env.AIRLOCK_DEV_CPU_PROF;
    await up();
    expect(environOf(pidOf('web')!)).not.toContainEqual(expect.stringContaining('--cpu-prof'));
  });

  it('stops only the apps, never a part of the stack it does not start as one', async () => {
    await expect(stopService('clamd')).rejects.toThrow(/not one of the stack's apps/);
  });
});
