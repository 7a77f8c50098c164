import {
  PgUploadRenditions,
  PgUploadRepository,
  PgUploadScans,
  PgWebhookOutbox,
  type Pool,
} from '@airlock/postgres';
import { isUuid } from '../uuid.ts';

export type JourneyStage = {
  state: string;
  from: string | null;
  at: string;
  actor: string;
  reason: string | null;
  /** Time spent in this state: until the next transition, or until `now` for the current one. */
  durationMs: number;
  current: boolean;
};

/**
 * The whole journey of an upload: every stage with its actor, time and
 * duration, its scans, renditions and webhook deliveries; `undefined` when
 * there is no such upload.
 */
export async function uploadJourney(pool: Pool, id: string, now = Date.now()) {
  if (!isUuid(id)) return undefined;
  const withHistory = await new PgUploadRepository({ pool }).findWithHistory(id);
  if (!withHistory) return undefined;
  const { upload, history } = withHistory;
  const [scans, renditions, webhooks] = await Promise.all([
    new PgUploadScans({ pool }).forUpload(id),
    new PgUploadRenditions({ pool }).forUpload(id),
    new PgWebhookOutbox({ pool }).forUpload(id),
  ]);
  const stages: JourneyStage[] = history.map((transition, index) => {
    const next = history[index + 1];
    const end = next ? next.at.getTime() : now;
    return {
      state: transition.toState,
      from: transition.fromState,
      at: transition.at.toISOString(),
      actor: transition.actor,
      reason: transition.reason,
      durationMs: Math.max(0, end - transition.at.getTime()),
      current: next === undefined,
    };
  });
  const first = history[0];
  const last = history.at(-1);
  return {
    upload,
    stages,
    totalMs: first && last ? last.at.getTime() - first.at.getTime() : 0,
    scans: scans.map((scan) => ({ ...scan, signature: scan.signature ?? null })),
    renditions,
    webhooks,
  };
}

export type UploadJourney = NonNullable<Awaited<ReturnType<typeof uploadJourney>>>;
