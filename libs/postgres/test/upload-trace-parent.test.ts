import { newUpload } from '@airlock/core/testing';
import { inSpan, traceParentOf } from '@airlock/tracing';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { PgUploadRepository, type Pool } from '../src/index.ts';
import { tenant, useTestDatabase } from './test-database.ts';

// An upload's row keeps the traceparent of the span that created it (the S3
// event of its PUT carries none): each caller's own, even when the inserts of
// several callers go as one statement.

let pool: Pool;
useTestDatabase((created) => (pool = created));
// As a process with export off (runtime's startTracing): spans get ids,
// unsampled, and that is what the row keeps.
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ sampler: new AlwaysOffSampler() }));
});

const storedTraceParent = async (uploadId: string) =>
  (
    await pool.query<{ trace_parent: string | null }>(
      'SELECT trace_parent FROM uploads WHERE id = $1',
      [uploadId],
    )
  ).rows[0]?.trace_parent;

it("keeps each caller's traceparent through a batched insert", async () => {
  const owner = await tenant(pool);
  const scope = { ...owner, dedupScope: `customer:${owner.customerId}` };
  const uploads = new PgUploadRepository({ pool });
  const callers = await Promise.all(
    Array.from({ length: 12 }, () =>
      inSpan('caller', {}, async () => ({
        traceParent: traceParentOf(),
        answer: await uploads.insertPendingUnlessLive(newUpload(scope), 'api'),
      })),
    ),
  );
  expect(new Set(callers.map((caller) => caller.traceParent)).size).toBe(12);
  for (const { traceParent, answer } of callers) {
    expect(traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(answer!.upload.traceParent).toBe(traceParent);
    expect(await storedTraceParent(answer!.upload.id)).toBe(traceParent);
  }
});

it('keeps none when created outside a span', async () => {
  const owner = await tenant(pool);
  const uploads = new PgUploadRepository({ pool });
  const created = await uploads.insertPending(
    newUpload({ ...owner, dedupScope: `customer:${owner.customerId}` }),
    'api',
  );
  expect(created!.traceParent).toBeNull();
  expect(await storedTraceParent(created!.id)).toBeNull();
});
