import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { Upload } from '@airlock/core';
import { ensureQueueWithDlq, type QueueUrls } from '@airlock/sqs';
import { receiveAll, StackClients, uniqueText, type Tenant } from '@airlock/testing';
import { rescanCleanUploads } from '../../src/operations/rescan.ts';
import { uploadJourney } from '../../src/operations/upload-journey.ts';

// `rescan` and `uploads show` without the CLI: uploads staged in the sandbox
// bucket (no workers behind it), scan jobs onto a private queue.
const stack = new StackClients();
let tenant: Tenant;
let clean: Upload;

beforeAll(async () => {
  tenant = await stack.tenant();
  const verified = await stack.stageVerified(
    process.env.SANDBOX_BUCKET!,
    tenant,
    uniqueText('rescan'),
    'text/plain',
  );
  clean = (await stack.uploads.transition({ uploadId: verified.id, to: 'clean', actor: 'test' }))!;
});

afterAll(() => stack.close());

describe('rescanCleanUploads', () => {
  let queues: QueueUrls;

  beforeAll(async () => {
    queues = await ensureQueueWithDlq(stack.sqs, {
      name: `test-ops-rescan-${randomUUID().slice(0, 8)}`,
      maxReceiveCount: 3,
      retentionSeconds: 3600,
      dlqRetentionSeconds: 3600,
      visibilityTimeoutSeconds: 30,
    });
  });

  afterAll(async () => {
    for (const url of [queues.url, queues.dlqUrl])
      await stack.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
  });

  it("queues a rescan job for each of the customer's clean uploads since the time given", async () => {
    const deps = { pool: stack.pool, sqs: stack.sqs, scanJobsQueueUrl: queues.url };
    const progress: Array<[number, number]> = [];
    const queued = await rescanCleanUploads(
      deps,
      { since: new Date(Date.now() - 3_600_000), customerId: tenant.customerId },
      (done, total) => progress.push([done, total]),
    );
    expect(queued).toBe(1);
    expect(progress).toEqual([
      [0, 1],
      [1, 1],
    ]);
    const bodies = await receiveAll(stack.sqs, queues.url, 1500);
    expect(bodies.map((body) => JSON.parse(body))).toEqual([
      expect.objectContaining({
        type: 'scan.requested',
        producedBy: 'ops',
        trigger: 'rescan',
        uploadId: clean.id,
        bucket: clean.bucket,
        key: clean.key,
        sha256: clean.declaredSha256,
      }),
    ]);

    const later = await rescanCleanUploads(deps, {
      since: new Date(Date.now() + 60_000),
      customerId: tenant.customerId,
    });
    expect(later).toBe(0);
  });
});

describe('uploadJourney', () => {
  it('gives each stage its actor and time spent, the current one until now', async () => {
    const now = Date.now() + 5000;
    const journey = await uploadJourney(stack.pool, clean.id, now);
    expect(journey!.upload).toMatchObject({ id: clean.id, state: 'clean' });
    const stages = journey!.stages;
    expect(stages.map((s) => [s.from, s.state, s.actor])).toEqual([
      [null, 'pending', expect.any(String)],
      ['pending', 'uploaded', 'test'],
      ['uploaded', 'verified', 'test'],
      ['verified', 'clean', 'test'],
    ]);
    for (const [index, stage] of stages.entries()) {
      const next = stages[index + 1];
      expect(stage.current).toBe(next === undefined);
      expect(stage.durationMs).toBe((next ? Date.parse(next.at) : now) - Date.parse(stage.at));
    }
    expect(journey!.totalMs).toBe(Date.parse(stages.at(-1)!.at) - Date.parse(stages[0]!.at));
    expect(journey).toMatchObject({ scans: [], renditions: [], webhooks: [] });
  });

  it('is undefined for an unknown id, or one that is not a UUID', async () => {
    expect(await uploadJourney(stack.pool, randomUUID())).toBeUndefined();
    expect(await uploadJourney(stack.pool, 'not-a-uuid')).toBeUndefined();
  });
});
