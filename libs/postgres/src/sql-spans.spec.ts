import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { sqlOperation, tracedQuery } from './sql-spans.ts';

describe('sqlOperation', () => {
  it.each([
    ['SELECT 1', 'SELECT'],
    ['  update uploads SET state = $1', 'UPDATE'],
    ['BEGIN', 'BEGIN'],
    ['WITH live AS (SELECT 1) INSERT INTO uploads SELECT 1', 'INSERT'],
    ['WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b', 'SELECT'],
    ['\n  WITH moved AS (UPDATE uploads SET x = 1 RETURNING *) SELECT * FROM moved', 'UPDATE'],
  ])('names %j %s', (text, operation) => {
    expect(sqlOperation(text)).toBe(operation);
  });

  it('names nothing without a statement', () => {
    expect(sqlOperation(undefined)).toBeUndefined();
    expect(sqlOperation('')).toBeUndefined();
  });
});

describe('tracedQuery', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
  });
  afterEach(() => exporter.reset());

  const query = async (...args: unknown[]) => ({ rows: [], args });
  const inParent = <T>(work: () => Promise<T>) =>
    trace.getTracer('test').startActiveSpan('parent', async (span) => {
      try {
        return await work();
      } finally {
        span.end();
      }
    });

  it('traces a statement inside a span, without its text or parameters', async () => {
    await inParent(
      () =>
        tracedQuery(query, [
          { text: 'UPDATE uploads SET x = $1', values: ['secret'] },
        ]) as Promise<unknown>,
    );
    const [sql] = exporter.getFinishedSpans().filter((span) => span.name !== 'parent');
    expect(sql).toMatchObject({
      name: 'UPDATE',
      kind: 2,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'UPDATE' },
    });
    expect(JSON.stringify(sql!.attributes)).not.toContain('secret');
  });

  it('ends the span of a callback-style call when it calls back, with the error', async () => {
    const failing = (_text: unknown, _values: unknown, callback: (error: Error) => void) =>
      callback(new Error('boom'));
    const error = await inParent(
      () =>
        new Promise<Error | null>((resolve) =>
          tracedQuery(failing as (...args: unknown[]) => unknown, [
            'SELECT 1',
            [],
            (failed: Error | null) => resolve(failed),
          ]),
        ),
    );
    expect(error?.message).toBe('boom');
    const [sql] = exporter.getFinishedSpans().filter((span) => span.name !== 'parent');
    expect(sql).toMatchObject({ name: 'SELECT', status: { code: 2 } });
  });

  it('starts no trace of its own outside a span (polls, probes)', async () => {
    await tracedQuery(query, ['SELECT 1']);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
