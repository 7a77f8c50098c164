import { MetricsScrape } from '@airlock/testing';
import type { Row } from '../report.ts';
import { interleaved, median, ratio } from '../stats.ts';
import { startBenchApi } from './bench-api.ts';

type Measured = {
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p99: number };
  readonly warmupRequests: number;
  readonly requests: number;
  /** CPU ms per request by process: `server` (the API) and `postgres`. */
  readonly cpuMsPerRequest: Record<string, number>;
};

export type RateLimitRun<T extends Measured> = T & { readonly leasesPerRequest: number };

const leases = async (metricsUrl: string) =>
  (await MetricsScrape.of(metricsUrl)).value('airlock_rate_limit_leases_total');

/**
 * The shared per-key limit's cost (issue 18): two API processes of the
 * bench's own, alike but for RATE_LIMIT_SHARED, under the same load in
 * interleaved rounds. Ours: the budget leased from PostgreSQL; baseline: the
 * in-memory, per-process count. Round trips per request are the leases the
 * shared process counted (`airlock_rate_limit_leases_total`) over the
 * requests sent, warm-up included on both counts.
 */
export async function rateLimitCost<T extends Measured>(
  rounds: number,
  load: (side: string, url: string, serverPid: number) => Promise<T>,
  label: string,
): Promise<{ rows: Row[]; runs: { ours: RateLimitRun<T>[]; baseline: RateLimitRun<T>[] } }> {
  // As the stack's API runs: its own PostgreSQL login when the stack has one.
  const databaseUrl = process.env.AIRLOCK_DATABASE_URL_UPLOAD_API ?? process.env.DATABASE_URL;
  const [shared, perProcess] = await Promise.all([
    startBenchApi({ RATE_LIMIT_SHARED: 'true', DATABASE_URL: databaseUrl }),
    startBenchApi({ RATE_LIMIT_SHARED: 'false', DATABASE_URL: databaseUrl }),
  ]);
  try {
    const measured = (api: typeof shared, side: string) => async (): Promise<RateLimitRun<T>> => {
      const before = await leases(api.metricsUrl);
      const run = await load(side, api.url, api.pid);
      const leased = (await leases(api.metricsUrl)) - before;
      return { ...run, leasesPerRequest: leased / (run.warmupRequests + run.requests) };
    };
    const runs = await interleaved(rounds, {
      ours: measured(shared, 'shared limit'),
      baseline: measured(perProcess, 'per-process limit'),
    });
    const row = (measure: string, figure: (run: RateLimitRun<T>) => number): Row => {
      const ours = median(runs.ours.map(figure));
      const baseline = median(runs.baseline.map(figure));
      return {
        stage: 'upload-api',
        // Figure first: issue 16's targets match the API rows by how they end.
        measure: `${measure}, shared vs per-process limit (${label})`,
        ours,
        baseline,
        ratio: ratio(ours, baseline),
        target: '—',
        met: null,
      };
    };
    return {
      rows: [
        row('req/s', (run) => run.requestsPerSecond),
        row('p99 ms', (run) => run.latencyMs.p99),
        row('DB round trips/request', (run) => run.leasesPerRequest),
        row('API CPU ms/request', (run) => run.cpuMsPerRequest.server ?? Number.NaN),
        row('PostgreSQL CPU ms/request', (run) => run.cpuMsPerRequest.postgres ?? Number.NaN),
      ],
      runs,
    };
  } finally {
    await Promise.all([shared.stop(), perProcess.stop()]);
  }
}
