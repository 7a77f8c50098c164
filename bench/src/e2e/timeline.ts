import type { Pool } from '@airlock/postgres';
import type { UploadRecord } from '../load/e2e-client.ts';
import { summarize, type Summary } from '../stats.ts';

export const TERMINAL_STATES = ['ready', 'rejected', 'quarantined', 'expired'];

/** One file's journey: when its PUT finished and when it entered each state (epoch ms). */
export type Timeline = {
  readonly upload: UploadRecord;
  readonly at: Readonly<Record<string, number>>;
  readonly finalState: string | undefined;
  readonly terminalAt: number | undefined;
};

/** Every transition of these uploads, from upload_events (clock_timestamp(): this machine's clock). */
export async function loadTimelines(
  pool: Pool,
  uploads: readonly UploadRecord[],
): Promise<Timeline[]> {
  const { rows } = await pool.query<{ uploadId: string; toState: string; atMs: number }>(
    `SELECT upload_id AS "uploadId", to_state AS "toState",
            (extract(epoch FROM at) * 1000)::float8 AS "atMs"
     FROM upload_events WHERE upload_id = ANY($1::uuid[]) ORDER BY id`,
    [uploads.map((upload) => upload.uploadId)],
  );
  const events = new Map<string, Record<string, number>>();
  for (const row of rows) {
    events.set(row.uploadId, { ...events.get(row.uploadId), [row.toState]: row.atMs });
  }
  return uploads.map((upload) => {
    const at: Record<string, number> = { put: upload.putDoneAt, ...events.get(upload.uploadId) };
    const finalState = TERMINAL_STATES.find((state) => state in at);
    return { upload, at, finalState, terminalAt: finalState ? at[finalState] : undefined };
  });
}

type SpanDefinition = {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly applies: (timeline: Timeline) => boolean;
};

const isImage = (timeline: Timeline) => timeline.upload.kind === 'jpeg';

/**
 * Where a file's time goes. The verifier moves an upload to `uploaded` as it
 * starts on it, so the first span is the S3 event and the upload-events
 * queue, and the second the verifier's work alone. The scanner and media
 * worker record only their ends: their spans hold queue wait and work both,
 * which the idle probes tell apart.
 */
export const SPANS: readonly SpanDefinition[] = [
  {
    name: 'PUT done → verifier starts (S3 event + upload-events queue)',
    from: 'put',
    to: 'uploaded',
    applies: () => true,
  },
  {
    name: 'verifier work (GET, hash, sniff, DB)',
    from: 'uploaded',
    to: 'verified',
    applies: () => true,
  },
  {
    name: 'scan-jobs queue + scanner (→ clean)',
    from: 'verified',
    to: 'clean',
    applies: () => true,
  },
  {
    name: 'scanner: clean → ready',
    from: 'clean',
    to: 'ready',
    applies: (timeline) => !isImage(timeline),
  },
  { name: 'media-jobs queue + media (→ ready)', from: 'clean', to: 'ready', applies: isImage },
];

export type SpanSummary = { readonly name: string } & Summary;

export function spanSummaries(timelines: readonly Timeline[]): SpanSummary[] {
  return SPANS.map((span) => {
    const values = timelines
      .filter(span.applies)
      .map(
        (timeline) => (timeline.at[span.to] ?? Number.NaN) - (timeline.at[span.from] ?? Number.NaN),
      )
      .filter(Number.isFinite);
    return { name: span.name, ...summarize(values) };
  }).filter((span) => span.count > 0);
}
