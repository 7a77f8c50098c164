import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MetricsTarget } from '@airlock/config';
import type { Pool } from '@airlock/postgres';
import { queueDepth } from '@airlock/sqs';
import { stageOfService, type TargetReading, type TopReading } from './top-build.ts';
import { parseMetrics } from './top-metrics.ts';
import { TOP_STAGES, type TopSnapshot, type TopStage } from './top-snapshot.ts';

/** A source queue and its DLQ, by the name operators use. */
export type TopQueue = { readonly queue: string; readonly url: string; readonly dlqUrl: string };

/** Where `airlock top` reads from; any of them may be missing (then it is left out, and said so). */
export type TopSources = {
  readonly targets: readonly MetricsTarget[];
  readonly sqs: SQSClient | undefined;
  readonly queues: readonly TopQueue[];
  readonly pool: Pool | undefined;
  /** Uploads by state over this many minutes. */
  readonly windowMinutes: number;
  /** For each `/metrics` page, SQS call and query. */
  readonly timeoutMs: number;
  /** Said once in every reading: what is not configured. */
  readonly notes: readonly string[];
};

/** The most transitions one reading counts; past that only the most recent ones are. */
export const RECENT_EVENTS_CAP = 20_000;

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error.message;
}

const namedStage = (stage: string | undefined): TopStage | null =>
  (TOP_STAGES as readonly string[]).includes(stage ?? '') ? (stage as TopStage) : null;

/** One `/metrics` page; a page that does not answer is a reading too, never a failure. */
export async function scrapeTarget(
  target: MetricsTarget,
  timeoutMs: number,
): Promise<TargetReading> {
  const named = namedStage(target.stage);
  try {
    const response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { url: target.url, stage: named, samples: null, error: `HTTP ${response.status}` };
    }
    const samples = parseMetrics(await response.text());
    const service = samples.find((sample) => sample.labels.service)?.labels.service;
    return { url: target.url, stage: named ?? stageOfService(service), samples, error: null };
  } catch (error) {
    return { url: target.url, stage: named, samples: null, error: reason(error) };
  }
}

/** `work`, or a TimeoutError after `timeoutMs` (the SDK call itself is left to finish). */
function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  const timer = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<never>((_resolve, reject) =>
    timer.addEventListener('abort', () => reject(timer.reason as Error), { once: true }),
  );
  return Promise.race([work, timedOut]);
}

/** Every queue's and DLQ's depth from SQS's attributes: nothing is received. */
async function readQueues(sources: TopSources, problems: string[]): Promise<TopReading['queues']> {
  const { sqs } = sources;
  if (!sqs) return {};
  const read = await Promise.all(
    sources.queues.map(async ({ queue, url, dlqUrl }) => {
      try {
        const [depth, dlq] = await withTimeout(
          Promise.all([queueDepth(sqs, url), queueDepth(sqs, dlqUrl)]),
          sources.timeoutMs,
        );
        return [[queue, { depth, dlqDepth: dlq.visible + dlq.inFlight + dlq.delayed }]] as const;
      } catch (error) {
        problems.push(`sqs ${queue}: ${reason(error)}`);
        return [];
      }
    }),
  );
  return Object.fromEntries(read.flat());
}

type ScanRow = { engine: string; signatures: string; scanned_at: Date };
type StateRow = { state: string; uploads: number };

/**
 * The latest scan's engine and signatures, and the uploads with a transition
 * in the window by their state now. The window is read from upload_events
 * backwards by id (its primary key), at most `RECENT_EVENTS_CAP` of them, so
 * a reading costs the same on a table of any size.
 */
async function readDatabase(
  pool: Pool,
  windowMinutes: number,
  timeoutMs: number,
): Promise<Pick<TopReading, 'scanner' | 'uploads'>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    const scan = await client.query<ScanRow>(
      'SELECT engine, signatures, scanned_at FROM upload_scans ORDER BY id DESC LIMIT 1',
    );
    const recent = await client.query<{ events: number; oldest: Date | null }>(
      `SELECT count(*)::int AS events, min(at) AS oldest
         FROM (SELECT at FROM upload_events ORDER BY id DESC LIMIT $1) recent`,
      [RECENT_EVENTS_CAP],
    );
    const states = await client.query<StateRow>(
      `SELECT u.state::text AS state, count(*)::int AS uploads
         FROM uploads u
        WHERE u.id IN (SELECT upload_id
                         FROM (SELECT upload_id, at FROM upload_events ORDER BY id DESC LIMIT $1) recent
                        WHERE at > now() - make_interval(secs => $2))
        GROUP BY u.state`,
      [RECENT_EVENTS_CAP, windowMinutes * 60],
    );
    await client.query('COMMIT');
    const latest = scan.rows[0];
    const { events, oldest } = recent.rows[0]!;
    return {
      scanner: latest
        ? {
            engine: latest.engine,
            signatures: latest.signatures,
            lastScanAt: latest.scanned_at.toISOString(),
          }
        : null,
      uploads: {
        windowMinutes,
        byState: Object.fromEntries(states.rows.map((row) => [row.state, row.uploads])),
        truncated:
          events === RECENT_EVENTS_CAP &&
          oldest !== null &&
          oldest.getTime() > Date.now() - windowMinutes * 60_000,
      },
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Everything at once: the `/metrics` pages, SQS and PostgreSQL, each failing on its own. */
export async function readTop(sources: TopSources): Promise<TopReading> {
  const problems: string[] = [...sources.notes];
  const database: Promise<Pick<TopReading, 'scanner' | 'uploads'>> = sources.pool
    ? readDatabase(sources.pool, sources.windowMinutes, sources.timeoutMs).catch((error) => {
        problems.push(`postgres: ${reason(error)}`);
        return { scanner: null, uploads: null };
      })
    : Promise.resolve({ scanner: null, uploads: null } satisfies Pick<
        TopSnapshot,
        'scanner' | 'uploads'
      >);
  const [targets, queues, { scanner, uploads }] = await Promise.all([
    Promise.all(sources.targets.map((target) => scrapeTarget(target, sources.timeoutMs))),
    readQueues(sources, problems),
    database,
  ]);
  return { at: Date.now(), targets, queues, scanner, uploads, problems };
}
