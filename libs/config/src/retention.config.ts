import { z } from 'zod';

const days = (fallback: number) => z.coerce.number().int().min(1).max(36_500).default(fallback);

/**
 * How long `airlock db prune` keeps each kind of row (docs/retention.md). A
 * terminal upload's retention must outlast its objects: at least the
 * quarantine bucket's expiry and the uploads bucket's noncurrent-version
 * expiry (30 days each in the CDK stack).
 */
export const retentionEnv = z.object({
  RETENTION_TERMINAL_UPLOADS_DAYS: days(90),
  RETENTION_WEBHOOK_DELIVERIES_DAYS: days(30),
  RETENTION_OBJECT_INCIDENTS_DAYS: days(365),
  RETENTION_MESSAGE_FAILURES_DAYS: days(30),
  RETENTION_UPLOAD_TOKENS_DAYS: days(7),
  PARTITION_MONTHS_AHEAD: z.coerce.number().int().min(1).max(24).default(2),
});

export type RetentionSettings = {
  readonly terminalUploadsDays: number;
  readonly webhookDeliveriesDays: number;
  readonly objectIncidentsDays: number;
  readonly messageFailuresDays: number;
  readonly uploadTokensDays: number;
  readonly partitionMonthsAhead: number;
};

export const toRetentionSettings = (env: z.output<typeof retentionEnv>): RetentionSettings => ({
  terminalUploadsDays: env.RETENTION_TERMINAL_UPLOADS_DAYS,
  webhookDeliveriesDays: env.RETENTION_WEBHOOK_DELIVERIES_DAYS,
  objectIncidentsDays: env.RETENTION_OBJECT_INCIDENTS_DAYS,
  messageFailuresDays: env.RETENTION_MESSAGE_FAILURES_DAYS,
  uploadTokensDays: env.RETENTION_UPLOAD_TOKENS_DAYS,
  partitionMonthsAhead: env.PARTITION_MONTHS_AHEAD,
});
