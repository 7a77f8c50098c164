import { z } from 'zod';
import { envBoolean } from './parse-env.ts';
import { optionalUrl } from './parse-env.ts';

export const loggingEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const databaseEnv = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
});

export const awsEnv = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: optionalUrl,
  S3_FORCE_PATH_STYLE: envBoolean(false),
  SQS_ENDPOINT: optionalUrl,
});

export const bucketsEnv = z.object({
  UPLOADS_BUCKET: z.string().min(3).default('uploads'),
  QUARANTINE_BUCKET: z.string().min(3).default('quarantine'),
  PROCESSED_BUCKET: z.string().min(3).default('processed'),
});

export type AwsConfig = {
  readonly region: string;
  readonly s3: { region: string; endpoint: string | undefined; forcePathStyle: boolean };
  readonly sqs: { region: string; endpoint: string | undefined };
};

export function toAwsConfig(env: z.output<typeof awsEnv>): AwsConfig {
  return {
    region: env.AWS_REGION,
    s3: {
      region: env.AWS_REGION,
      endpoint: env.S3_ENDPOINT,
      // Emulators and most S3-compatible stores want path-style addressing.
      forcePathStyle: env.S3_FORCE_PATH_STYLE || env.S3_ENDPOINT !== undefined,
    },
    sqs: { region: env.AWS_REGION, endpoint: env.SQS_ENDPOINT },
  };
}
