import { Command } from 'commander';
import {
  PgUploadRenditions,
  PgUploadRepository,
  PgUploadScans,
  PgWebhookOutbox,
  type WebhookDeliveryRecord,
} from '@airlock/postgres';
import { withPool } from '../database.ts';
import { isUuid } from '../uuid.ts';
import { createOutput } from '../output.ts';

type Stage = {
  state: string;
  from: string | null;
  at: string;
  actor: string;
  reason: string | null;
  /** Time spent in this state: until the next transition, or until now for the current one. */
  durationMs: number;
  current: boolean;
};

const duration = (ms: number): string => {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
};

function webhookStatus(delivery: WebhookDeliveryRecord): string {
  const attempts = `${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}`;
  if (delivery.deliveredAt) return `delivered ${delivery.deliveredAt.toISOString()} (${attempts})`;
  if (delivery.abandonedAt) return `abandoned: ${delivery.abandonedReason ?? '-'}`;
  if (!delivery.queuedAt) return 'waiting in the outbox';
  return `${attempts}, last error: ${delivery.lastError ?? '-'}`;
}

function showCommand(): Command {
  return new Command('show')
    .description('the whole journey of an upload, stage by stage, with timings and errors')
    .argument('<id>', 'upload id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const found = await withPool(async (pool) => {
        if (!isUuid(id)) return undefined;
        const withHistory = await new PgUploadRepository({ pool }).findWithHistory(id);
        if (!withHistory) return undefined;
        const [scans, renditions, webhooks] = await Promise.all([
          new PgUploadScans({ pool }).forUpload(id),
          new PgUploadRenditions({ pool }).forUpload(id),
          new PgWebhookOutbox({ pool }).forUpload(id),
        ]);
        return { ...withHistory, scans, renditions, webhooks };
      });
      if (!found) throw new Error(`upload ${id} not found`);
      const { upload, history, scans, renditions, webhooks } = found;
      const now = Date.now();
      const stages: Stage[] = history.map((transition, index) => {
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
      const totalMs = first && last ? last.at.getTime() - first.at.getTime() : 0;
      out.result(
        {
          upload,
          stages,
          totalMs,
          scans: scans.map((scan) => ({ ...scan, signature: scan.signature ?? null })),
          renditions,
          webhooks,
        },
        () => [
          `upload ${upload.id}  ${upload.originalName}  ${upload.declaredContentType}  ${upload.declaredSize} bytes`,
          `state ${upload.state}${upload.reason ? ` (${upload.reason})` : ''}  bucket ${upload.bucket}  key ${upload.key}`,
          '',
          'stages:',
          ...stages.map(
            (stage) =>
              `  ${stage.at}  ${stage.state.padEnd(12)} ${(stage.current ? `${duration(stage.durationMs)} so far` : duration(stage.durationMs)).padEnd(14)} by ${stage.actor}${stage.reason ? `  error: ${stage.reason}` : ''}`,
          ),
          `  total ${duration(totalMs)}`,
          '',
          scans.length === 0 ? 'scans: none' : 'scans:',
          ...scans.map(
            (scan) =>
              `  ${scan.scannedAt.toISOString()}  ${scan.trigger}  ${scan.result}${scan.signature ? ` ${scan.signature}` : ''}  (${scan.engine} ${scan.signatures})`,
          ),
          renditions.length === 0 ? 'renditions: none' : 'renditions:',
          ...renditions.map(
            (r) => `  ${r.name}  ${r.format} ${r.width}x${r.height}  ${r.size} bytes  ${r.key}`,
          ),
          webhooks.length === 0 ? 'webhooks: none' : 'webhooks:',
          ...webhooks.map((w) => `  ${w.type}  ${webhookStatus(w)}`),
        ],
      );
    });
}

export function uploadsCommand(): Command {
  return new Command('uploads').description('inspect uploads').addCommand(showCommand());
}
