import type { MediaConfig } from '@airlock/config';
import { mediaRequestedSchema } from '@airlock/core';
import { configureSharp, renderRenditions } from '@airlock/imaging';
import { PgUploadRenditions, PgUploadRepository } from '@airlock/postgres';
import type { Logger } from '@airlock/runtime';
import { S3ObjectStore } from '@airlock/s3';
import { createWorker } from '@airlock/worker';
import { createMediaRequestedHandler } from './handlers/media-requested.handler.ts';

/** The media worker from its config: the composition root shared by main.ts and the tests. */
export function composeMedia(config: MediaConfig, logger: Logger) {
  const { queues, buckets } = config;
  // Process-wide: the loader allow-list, libvips threads per image, no operation cache.
  configureSharp({ concurrency: config.sharp.concurrency, cache: false });
  return createWorker({ config, logger }, ({ pool, s3, metrics }) => {
    const objects = new S3ObjectStore({ s3 });
    return {
      queue: { name: 'media-jobs', url: queues.mediaJobs, dlqUrl: queues.mediaJobsDlq },
      schema: mediaRequestedSchema,
      buckets: [buckets.uploads, buckets.processed],
      summary: {
        processedBucket: buckets.processed,
        renditions: config.renditions.map((rendition) => rendition.name),
        failurePolicy: config.failurePolicy,
      },
      handler: createMediaRequestedHandler(
        {
          uploads: new PgUploadRepository({ pool, metrics }),
          renditions: new PgUploadRenditions({ pool }),
          objects,
          putObject: (object) => objects.put(object),
          render: (original) => renderRenditions(original, config.renditions, config.limits),
          logger,
          metrics,
        },
        {
          processedBucket: buckets.processed,
          failurePolicy: config.failurePolicy,
          maxInputBytes: config.limits.maxInputBytes,
        },
      ),
    };
  });
}
