import { status } from '@airlock/dev-stack';
import { runChild, startChildServer } from '../child.ts';
import { cpuDelta, cpuSeconds, postmaster } from '../e2e/process-cpu.ts';
import type { SeedServerInput } from '../baselines/seed-upload-server.ts';
import type { HttpLoadInput, HttpLoadResult } from '../load/http-load.ts';
import type { BenchTenant } from '../bench-stack.ts';
import type { Row } from '../report.ts';
import { interleaved, median, ratio } from '../stats.ts';
import { rateLimitCost } from './rate-limit-cost.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

const HTTP_LOAD = new URL('../load/http-load.ts', import.meta.url);
const SEED_SERVER = new URL('../baselines/seed-upload-server.ts', import.meta.url);

/**
 * Requests one key may make within the API's per-key minute (600 by default);
 * the load rotates over enough keys that the limiter never answers 429 and
 * we measure the work, not the refusal.
 */
const REQUESTS_PER_KEY = 500;

const seedTable = (table: string) => `
  CREATE TABLE ${table} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256_hash varchar(64) NOT NULL UNIQUE,
    s3_key text NOT NULL,
    file_type varchar(100) NOT NULL,
    size_bytes bigint NOT NULL,
    customer_id uuid NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`;

type LoadRun = HttpLoadResult & { cpuMsPerRequest: Record<string, number> };

function failures(side: string, runs: readonly HttpLoadResult[]): string[] {
  return runs
    .filter((run) => run.non2xx > 0 || run.errors > 0)
    .map(
      (run) =>
        `upload-api ${side}: ${run.non2xx} non-2xx and ${run.errors} errors of ${run.requests} requests (${JSON.stringify(run.statusCodes)})`,
    );
}

async function run({ stack, settings, log }: StageContext): Promise<StageResult> {
  const { connections, warmupSeconds, seconds, maxRequests } = settings.uploadApi;
  const perRun = maxRequests + Math.ceil(maxRequests / 4);
  const tenant = await stack.tenant(
    'upload-api',
    Math.ceil((settings.rounds * perRun) / REQUESTS_PER_KEY),
  );
  const { pool } = stack.clients;
  const table = `bench_seed_files_${stack.runId.replaceAll('-', '_')}`;
  await pool.query(seedTable(table));
  const seedInput: SeedServerInput = {
    databaseUrl: stack.env.DATABASE_URL!,
    table,
    bucket: stack.env.UPLOADS_BUCKET!,
    s3: {
      endpoint: stack.env.S3_ENDPOINT!,
      region: stack.env.AWS_REGION!,
      accessKeyId: stack.env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY!,
    },
  };
  const seed = await startChildServer<{ port: number }>(SEED_SERVER, seedInput);
  try {
    const apiPid = status().services.find((service) => service.name === 'upload-api')?.pid;
    const database = await postmaster(pool);
    const load = async (
      side: string,
      url: string,
      flavour: HttpLoadInput['flavour'],
      serverPid: number | undefined,
      keys: BenchTenant = tenant,
    ): Promise<LoadRun> => {
      const input: HttpLoadInput = {
        url,
        flavour,
        apiKeys: keys.apiKeys,
        customerId: keys.customerId,
        siteId: keys.siteId,
        connections,
        warmupSeconds,
        seconds,
        maxRequests,
      };
      // What each request costs the server and PostgreSQL, warm-up included on both counts.
      const watched = [...(serverPid ? [{ name: 'server', pid: serverPid }] : []), ...database];
      const before = cpuSeconds(watched);
      const result = await runChild<HttpLoadResult>(
        HTTP_LOAD,
        input,
        (warmupSeconds + seconds) * 1000 + 30_000,
      );
      const used = cpuDelta(before, cpuSeconds(watched));
      const requests = result.warmupRequests + result.requests;
      const cpuMsPerRequest = Object.fromEntries(
        Object.entries(used).map(([name, cpu]) => [name, (cpu * 1000) / requests]),
      );
      const cpu = Object.entries(cpuMsPerRequest)
        .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
        .join(', ');
      log(
        `upload-api ${side}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50} ms, ` +
          `p99 ${result.latencyMs.p99} ms; CPU ms per request: ${cpu || 'not measured'}`,
      );
      return { ...result, cpuMsPerRequest };
    };
    const runs = await interleaved(settings.rounds, {
      ours: () => load('ours', stack.env.AIRLOCK_API_URL!, 'airlock', apiPid),
      baseline: () =>
        load('seed baseline', `http://127.0.0.1:${seed.ready.port}`, 'seed', seed.pid),
    });
    const pick = (side: readonly LoadRun[], figure: (run: LoadRun) => number) =>
      median(side.map(figure));
    const rps = {
      ours: pick(runs.ours, (r) => r.requestsPerSecond),
      baseline: pick(runs.baseline, (r) => r.requestsPerSecond),
    };
    const p50 = {
      ours: pick(runs.ours, (r) => r.latencyMs.p50),
      baseline: pick(runs.baseline, (r) => r.latencyMs.p50),
    };
    const p99 = {
      ours: pick(runs.ours, (r) => r.latencyMs.p99),
      baseline: pick(runs.baseline, (r) => r.latencyMs.p99),
    };
    // Keys of their own: the shared budget of the keys above is partly spent this minute.
    const limitTenant = await stack.tenant('rate-limit', tenant.apiKeys.length);
    const limits = await rateLimitCost(
      settings.rounds,
      (side, url, pid) => load(side, url, 'airlock', pid, limitTenant),
      `POST /v1/uploads @${connections}, ${limitTenant.apiKeys.length} keys`,
    );
    const cpuRows = ['server', 'postgres'].map((name): Row => {
      const cpu = {
        ours: pick(runs.ours, (r) => r.cpuMsPerRequest[name] ?? Number.NaN),
        baseline: pick(runs.baseline, (r) => r.cpuMsPerRequest[name] ?? Number.NaN),
      };
      return {
        stage: 'upload-api',
        measure: `${name === 'server' ? 'API process' : 'PostgreSQL'} CPU ms/request`,
        ...cpu,
        ratio: ratio(cpu.ours, cpu.baseline),
        target: '—',
        met: null,
      };
    });
    const rpsRatio = ratio(rps.ours, rps.baseline);
    const measure = `POST /v1/uploads @${connections}`;
    return {
      rows: [
        {
          stage: 'upload-api',
          measure: `${measure} req/s`,
          ...rps,
          ratio: rpsRatio,
          target: '≥ 2× seed',
          met: rpsRatio === null ? null : rpsRatio >= 2,
        },
        {
          stage: 'upload-api',
          measure: `${measure} p50 ms`,
          ...p50,
          ratio: ratio(p50.ours, p50.baseline),
          target: '—',
          met: null,
        },
        {
          stage: 'upload-api',
          measure: `${measure} p99 ms`,
          ...p99,
          ratio: ratio(p99.ours, p99.baseline),
          target: '< 50 ms',
          met: p99.ours < 50,
        },
        ...cpuRows,
        ...limits.rows,
      ],
      details: {
        connections,
        warmupSeconds,
        seconds,
        maxRequests,
        keys: tenant.apiKeys.length,
        runs,
        rateLimit: limits.runs,
      },
      problems: [
        ...failures('ours', runs.ours),
        ...failures('seed baseline', runs.baseline),
        ...failures('shared limit', limits.runs.ours),
        ...failures('per-process limit', limits.runs.baseline),
      ],
    };
  } finally {
    await seed.stop();
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
  }
}

export const uploadApiStage: Stage = { name: 'upload-api', run };
