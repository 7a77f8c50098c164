import { ClamdScanner } from '@airlock/clamav';
import type { ScannerConfig } from '@airlock/config';
import { scanRequestedSchema } from '@airlock/core';
import { PgUploadRenditions, PgUploadRepository, PgUploadScans } from '@airlock/postgres';
import type { Logger } from '@airlock/runtime';
import { S3ObjectStore } from '@airlock/s3';
import { SqsMessagePublisher } from '@airlock/sqs';
import { createWorker } from '@airlock/worker';
import { createScanRequestedHandler } from './handlers/scan-requested.handler.ts';

/** The scanner from its config: the composition root shared by main.ts and the tests. */
export function composeScanner(config: ScannerConfig, logger: Logger) {
  const { queues } = config;
  const clamd = new ClamdScanner({}, config.clamd);
  return createWorker({ config, logger }, ({ pool, s3, sqs, metrics }) => ({
    queue: { name: 'scan-jobs', url: queues.scanJobs, dlqUrl: queues.scanJobsDlq },
    schema: scanRequestedSchema,
    buckets: [config.buckets.uploads],
    readiness: [{ name: 'clamd', check: () => clamd.ping() }],
    summary: { clamd: `${config.clamd.host}:${config.clamd.port}` },
    handler: createScanRequestedHandler(
      {
        uploads: new PgUploadRepository({ pool, metrics }),
        scans: new PgUploadScans({ pool, metrics }),
        objects: new S3ObjectStore({ s3 }),
        renditions: new PgUploadRenditions({ pool }),
        scan: (body) => clamd.scan(body),
        version: (options) => clamd.version(options),
        mediaJobs: new SqsMessagePublisher({ sqs }, { queueUrl: queues.mediaJobs }),
        logger,
        metrics,
      },
      {
        quarantineBucket: config.buckets.quarantine,
        limitsPolicy: config.limitsPolicy,
        scanMaxBytes: config.scanMaxBytes,
        reuseCleanVerdicts: config.reuseCleanVerdicts,
        tagCleanObjects: config.tagCleanObjects,
      },
    ),
  }));
}
