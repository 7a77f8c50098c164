import { Command } from 'commander';
import { loadOpsConfig } from '@airlock/config';
import type { WebhookDeliveryRecord } from '@airlock/postgres';
import { withPool } from '../clients.ts';
import { uploadJourney } from '../operations/upload-journey.ts';
import { createOutput } from '../output.ts';

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
      const journey = await withPool(loadOpsConfig(), (pool) => uploadJourney(pool, id));
      if (!journey) throw new Error(`upload ${id} not found`);
      const { upload, stages, totalMs, scans, renditions, webhooks } = journey;
      createOutput(Boolean(options.json)).result(journey, () => [
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
      ]);
    });
}

export function uploadsCommand(): Command {
  return new Command('uploads').description('inspect uploads').addCommand(showCommand());
}
