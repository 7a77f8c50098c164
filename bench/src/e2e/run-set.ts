import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@airlock/dev-stack';
import type { BenchStack, BenchTenant } from '../bench-stack.ts';
import { runChild } from '../child.ts';
import type { E2eClientInput, E2eClientResult, FileSpec } from '../load/e2e-client.ts';
import {
  cpuDelta,
  cpuSeconds,
  machineTicks,
  postmaster,
  type WatchedProcess,
} from './process-cpu.ts';
import { sampleQueues, type QueueDepth } from './queue-sampler.ts';
import { loadTimelines, TERMINAL_STATES, type Timeline } from './timeline.ts';

const E2E_CLIENT = new URL('../load/e2e-client.ts', import.meta.url);

export type SetRun = {
  readonly timelines: Timeline[];
  readonly failures: string[];
  readonly queues: Record<string, QueueDepth>;
  /** CPU seconds each stack process spent while the set ran. */
  readonly cpuSeconds: Record<string, number>;
  /** Share of all cores busy (any process) while the set ran. */
  readonly machineBusy: number;
  readonly wallSeconds: number;
};

/** The stack's processes, and PostgreSQL's postmaster (its backends are its children). */
async function watchedProcesses(stack: BenchStack): Promise<WatchedProcess[]> {
  const services = status()
    .services.filter((service) => service.pid !== undefined)
    .map((service) => ({ name: service.name, pid: service.pid! }));
  return [...services, ...(await postmaster(stack.clients.pool))];
}

/**
 * Sends `files` through the API and S3 from a client process, then waits
 * (bounded) until every upload is in a terminal state, watching the queues
 * and the processes' CPU meanwhile.
 */
export async function runSet(
  stack: BenchStack,
  tenant: BenchTenant,
  files: readonly FileSpec[],
  options: {
    oneByOne: boolean;
    concurrency: number;
    arrivalsPerSecond?: number | undefined;
    timeoutSeconds: number;
  },
): Promise<SetRun> {
  const { env, clients } = stack;
  const processes = await watchedProcesses(stack);
  const cpuBefore = cpuSeconds(processes);
  const ticksBefore = machineTicks();
  const sampler = sampleQueues(clients.sqs, {
    'upload-events': env.UPLOAD_EVENTS_QUEUE_URL!,
    'scan-jobs': env.SCAN_JOBS_QUEUE_URL!,
    'media-jobs': env.MEDIA_JOBS_QUEUE_URL!,
  });
  const started = performance.now();
  const input: E2eClientInput = {
    apiUrl: env.AIRLOCK_API_URL!,
    apiKeys: tenant.apiKeys,
    siteId: tenant.siteId,
    files,
    ...options,
  };
  let result: E2eClientResult;
  try {
    result = await runChild<E2eClientResult>(
      E2E_CLIENT,
      input,
      (options.timeoutSeconds + 30) * 1000,
    );
  } catch (error) {
    await sampler.stop();
    throw error;
  }

  const ids = result.uploads.map((upload) => upload.uploadId);
  const deadline = Math.max(started + options.timeoutSeconds * 1000, performance.now() + 10_000);
  for (;;) {
    const { rows } = await clients.pool.query<{ done: number }>(
      `SELECT count(*)::int AS done FROM uploads WHERE id = ANY($1::uuid[]) AND state::text = ANY($2)`,
      [ids, TERMINAL_STATES],
    );
    if (rows[0]!.done >= ids.length || performance.now() > deadline) break;
    await sleep(100);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const queues = await sampler.stop();
  const ticks = machineTicks();
  return {
    timelines: await loadTimelines(clients.pool, result.uploads),
    failures: result.failures,
    queues,
    cpuSeconds: cpuDelta(cpuBefore, cpuSeconds(processes)),
    machineBusy: (ticks.busy - ticksBefore.busy) / (ticks.total - ticksBefore.total),
    wallSeconds,
  };
}
