import { loadVerifierConfig } from '@airlock/config';
import { createLogger } from '@airlock/runtime';
import { z } from 'zod';
import { createWorker, type BackgroundLoop } from './create-worker.ts';

// Nothing here connects: the pool and the AWS clients open connections on first use.
const config = loadVerifierConfig({
  DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
  UPLOAD_EVENTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/upload-events',
  UPLOAD_EVENTS_DLQ_URL: 'http://127.0.0.1:9/000000000000/upload-events-dlq',
  SCAN_JOBS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/scan-jobs',
  LOG_LEVEL: 'silent',
});
const logger = createLogger({ level: 'silent', service: 'test' });

function loop(events: string[], name: string): BackgroundLoop {
  return {
    start: () => void events.push(`${name} started`),
    close: async () => void events.push(`${name} closed`),
  };
}

function worker(parts: { buckets?: string[]; background?: BackgroundLoop[] } = {}) {
  return createWorker({ config, logger }, () => ({
    queue: { name: 'jobs', url: config.queues.uploadEvents, dlqUrl: config.queues.uploadEventsDlq },
    schema: z.object({ id: z.string() }),
    handler: async () => 'success' as const,
    readiness: [{ name: 'clamd', check: async () => {} }],
    summary: { clamd: 'localhost:3310' },
    ...parts,
  }));
}

describe('createWorker', () => {
  it('checks postgres, the buckets, the queue, then what the worker adds', () => {
    const names = worker({ buckets: ['uploads', 'processed'] }).readiness.map((c) => c.name);
    expect(names).toEqual(['postgres', 's3', 'sqs', 'clamd']);
  });

  it('has no s3 check for a worker that names no bucket', () => {
    expect(worker().readiness.map((c) => c.name)).toEqual(['postgres', 'sqs', 'clamd']);
  });

  it('says which queue it consumes and what the worker wants logged', () => {
    const created = worker();
    expect(created.queueUrl).toBe(config.queues.uploadEvents);
    expect(created.summary).toEqual({ clamd: 'localhost:3310' });
  });

  it('starts the background loops with the consumer and closes them on close(), once', async () => {
    const events: string[] = [];
    const created = worker({ background: [loop(events, 'relay'), loop(events, 'sweeper')] });
    created.start();
    expect(events).toEqual(['relay started', 'sweeper started']);
    const closing = created.close();
    expect(created.close()).toBe(closing);
    await closing;
    expect(events.slice(2)).toEqual(['relay closed', 'sweeper closed']);
  });
});
