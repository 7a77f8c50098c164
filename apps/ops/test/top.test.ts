import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  airlockCliPath,
  stackMetricsPages,
  StackClients,
  uniqueText,
  waitForState,
  type Tenant,
} from '@airlock/testing';
import { TOP_SNAPSHOT_SCHEMA, type TopSnapshot } from '../src/operations/top-snapshot.ts';
import { airlock } from './support/run-cli.ts';

const run = promisify(execFile);

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `airlock top --once --json`, checked against its published schema. */
async function topOnce(...args: string[]): Promise<TopSnapshot> {
  const cli = await airlock('top', '--once', '--json', ...args);
  expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
  return TOP_SNAPSHOT_SCHEMA.parse(JSON.parse(cli.stdout));
}

const stageOf = (snapshot: TopSnapshot, stage: string) =>
  snapshot.stages.find((row) => row.stage === stage)!;
const done = (snapshot: TopSnapshot, stage: string) => stageOf(snapshot, stage).outcomes.done ?? 0;

describe('airlock top', () => {
  const stack = new StackClients();
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await stack.tenant();
  });
  afterAll(() => stack.close());

  /** Text files through the API until `stop` says so: each becomes `ready`. */
  async function uploadUntil(stop: () => boolean, atLeast = 1): Promise<string[]> {
    const ids: string[] = [];
    while (ids.length < atLeast || !stop()) {
      const created = await stack.uploadThroughApi(tenant, uniqueText('top'), 'text/plain');
      ids.push(created.uploadId);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return ids;
  }

  it('--once --json counts known work: 3 uploads created, verified and scanned, every stage up', async () => {
    const before = await topOnce('--interval', '0.2');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1)
      ids.push((await stack.uploadThroughApi(tenant, uniqueText('top'), 'text/plain')).uploadId);
    for (const id of ids) await waitForState(stack.uploads, id, ['ready']);
    const after = await topOnce('--interval', '0.2');

    // One target per process: a stage with replicas has one per replica.
    const pages = stackMetricsPages();
    expect(after.targets.map((t) => [t.stage, t.up])).toEqual(
      ['api', 'verifier', 'scanner', 'media', 'notifier'].flatMap((stage) =>
        pages[stage]!.map(() => [stage, true]),
      ),
    );
    expect(after.problems).toEqual([]);
    const created = (s: TopSnapshot) => stageOf(s, 'api').outcomes.created ?? 0;
    expect(created(after) - created(before)).toBe(3);
    expect(done(after, 'verifier') - done(before, 'verifier')).toBe(3);
    expect(done(after, 'scanner') - done(before, 'scanner')).toBe(3);
    for (const stage of ['verifier', 'scanner', 'media', 'notifier']) {
      const row = stageOf(after, stage);
      expect(row.processes).toEqual({ up: pages[stage]!.length, down: 0 });
      expect(row.queueDepth).toEqual({
        visible: expect.any(Number),
        inFlight: expect.any(Number),
        delayed: expect.any(Number),
      });
      expect(row.dlqDepth).toEqual(expect.any(Number));
      expect(row.memoryBytes).toBeGreaterThan(0);
    }
    expect(after.scanner?.engine).toMatch(/^ClamAV \d/);
    expect(Date.parse(after.scanner!.lastScanAt)).toBeGreaterThan(Date.parse(before.at) - 1000);
    expect(after.uploads?.byState.ready).toBeGreaterThanOrEqual(3);
    expect(after.outbox).toEqual({
      backlog: expect.any(Number),
      oldestAgeSeconds: expect.any(Number),
    });
  });

  it('has rates and latencies over the interval while uploads run', async () => {
    let running = true;
    const uploads = uploadUntil(() => !running);
    const snapshot = await topOnce('--interval', '4').finally(() => (running = false));
    const ids = await uploads;
    await Promise.all(ids.map((id) => waitForState(stack.uploads, id, ['ready'])));

    const api = stageOf(snapshot, 'api');
    expect(snapshot.intervalSeconds).toBeGreaterThanOrEqual(4);
    expect(api.ratePerSecond).toBeGreaterThan(0);
    expect(api.latency.p50Seconds).toBeGreaterThan(0);
    expect(api.latency.p95Seconds).toBeGreaterThanOrEqual(api.latency.p50Seconds!);
    const verifier = stageOf(snapshot, 'verifier');
    expect(verifier.ratePerSecond).toBeGreaterThan(0);
    expect(verifier.latency.p50Seconds).toBeGreaterThan(0);
    expect(verifier.wait.p95Seconds).not.toBeNull();
    expect(stageOf(snapshot, 'scanner').cpuPercent).toBeGreaterThan(0);
  });

  it('shows a /metrics page that does not answer as down, and still answers', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/metrics`;
    const snapshot = await topOnce('--interval', '0.2', '--metrics', `media=${url}`);
    expect(snapshot.targets).toEqual([{ url, stage: 'media', up: false, error: 'ECONNREFUSED' }]);
    expect(stageOf(snapshot, 'media').processes).toEqual({ up: 0, down: 1 });
    expect(stageOf(snapshot, 'scanner').queueDepth).not.toBeNull();
  });

  it('--schema prints the JSON Schema of the snapshot', async () => {
    const cli = await airlock('top', '--schema');
    const schema = JSON.parse(cli.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(Object.keys(TOP_SNAPSHOT_SCHEMA.shape));
  });

  describe('live, in a terminal (tmux)', () => {
    // A server of its own: its sessions get this test's environment (the stack's).
    const socket = `airlock-top-test-${process.pid}`;
    const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
    const screen = async () => (await tmux('capture-pane', '-p', '-t', 'top')).stdout;

    afterAll(() => tmux('kill-server').catch(() => {}));

    /**
     * `airlock top` in a 110×40 terminal, through a shell that prints its
     * exit status when it ends (tmux's own `pane_dead_status` is not always
     * set when the terminal closes first).
     */
    async function startTop(session: string): Promise<void> {
      await tmux(
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        '110',
        '-y',
        '40',
        `${process.execPath} ${airlockCliPath} top --interval 1; echo "exited $?"`,
      );
      await tmux('set-option', '-t', session, 'remain-on-exit', 'on');
    }

    /** Its exit status, once printed. */
    async function exitStatus(session: string): Promise<number> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { stdout } = await tmux('capture-pane', '-p', '-t', session);
        const status = /^exited (\d+)$/m.exec(stdout)?.[1];
        if (status !== undefined) return Number(status);
        if (Date.now() > deadline) throw new Error(`airlock top still runs in ${session}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it('redraws the stages with activity while uploads run, and quits on q', async () => {
      await startTop('top');

      let running = true;
      const uploads = uploadUntil(() => !running);
      let seen = '';
      try {
        const deadline = Date.now() + 30_000;
        for (;;) {
          seen = await screen();
          const apiRate = /^api\s+(\S+)/m.exec(seen)?.[1];
          if (apiRate && Number.parseFloat(apiRate) > 0) break;
          if (Date.now() > deadline) throw new Error(`no activity on the screen:\n${seen}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } finally {
        running = false;
      }
      await uploads;

      const lines = seen.split('\n');
      const processes = Object.values(stackMetricsPages()).flat().length;
      expect(lines[0]).toMatch(
        new RegExp(
          `^airlock top {2}\\d\\d:\\d\\d:\\d\\d UTC {2}over [\\d.]+s {2}${processes}/${processes} processes up`,
        ),
      );
      expect(lines).toContainEqual(expect.stringMatching(/^STAGE\s+RATE\/s\s+TOTAL/));
      for (const stage of ['api', 'verifier', 'scanner', 'media', 'notifier'])
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${stage}\\s+[\\d.]+`)));
      expect(seen).toMatch(/^clamd ClamAV \d/m);
      expect(seen).toMatch(/^uploads, last 5 min: .*ready \d+/m);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);

      await tmux('send-keys', '-t', 'top', 'q');
      expect(await exitStatus('top')).toBe(0);
      // The last frame stays on the screen, and nothing after it but the shell's.
      expect(await screen()).toMatch(/^notifier\s/m);
    });

    it('quits on Ctrl-C too, with status 0', async () => {
      await startTop('interrupted');
      const deadline = Date.now() + 20_000;
      while (!/^notifier\s/m.test((await tmux('capture-pane', '-p', '-t', 'interrupted')).stdout)) {
        if (Date.now() > deadline) throw new Error('airlock top drew nothing');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await tmux('send-keys', '-t', 'interrupted', 'C-c');
      expect(await exitStatus('interrupted')).toBe(0);
    });
  });
});
