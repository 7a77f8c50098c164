import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { OpsConfig } from '@airlock/config';
import { createPool, type Pool } from '@airlock/postgres';
import { createS3Client } from '@airlock/s3';
import { createSqsClient } from '@airlock/sqs';

async function using<R, T>(
  resource: R,
  close: (resource: R) => unknown,
  work: (resource: R) => Promise<T>,
): Promise<T> {
  try {
    return await work(resource);
  } finally {
    await close(resource);
  }
}

/** A small pool for one command, ended when `work` is done. */
export const withPool = <T>(config: OpsConfig, work: (pool: Pool) => Promise<T>): Promise<T> =>
  using(createPool(config.databaseUrl(), { max: 2 }), (pool) => pool.end(), work);

export const withS3 = <T>(config: OpsConfig, work: (s3: S3Client) => Promise<T>): Promise<T> =>
  using(createS3Client(config.aws.s3), (s3) => s3.destroy(), work);

export const withSqs = <T>(config: OpsConfig, work: (sqs: SQSClient) => Promise<T>): Promise<T> =>
  using(createSqsClient(config.aws.sqs), (sqs) => sqs.destroy(), work);
