import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { continueUploadTrace, contextFrom, traceParentOf } from './trace-parent.ts';
import { inSpan, uploadIdIn, withUpload } from './spans.ts';
import { logFields } from './log-fields.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACE_PARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    }),
  );
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('traceparent', () => {
  it('round-trips a span context through its W3C form', () => {
    const parent = contextFrom(TRACE_PARENT);
    expect(trace.getSpanContext(parent)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
    expect(traceParentOf(parent)).toBe(TRACE_PARENT);
  });

  it.each(['', 'garbage', `00-${'0'.repeat(32)}-${SPAN_ID}-01`, `00-${TRACE_ID}-${SPAN_ID}`])(
    'ignores a malformed or absent value (%j)',
    (value) => {
      expect(trace.getSpanContext(contextFrom(value))).toBeUndefined();
      expect(contextFrom(value)).toBe(ROOT_CONTEXT);
    },
  );

  it('has none outside a span', () => {
    expect(traceParentOf(ROOT_CONTEXT)).toBeUndefined();
  });

  it("names the active span's context inside one", async () => {
    await inSpan('work', {}, async (span) => {
      expect(traceParentOf()).toBe(
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      );
    });
  });
});

describe('continueUploadTrace', () => {
  it("continues the upload's trace, linked to the span it was called in", async () => {
    await inSpan('consume', { kind: SpanKind.CONSUMER }, async (consumer) => {
      await continueUploadTrace(
        'verify',
        { id: 'u1', traceParent: TRACE_PARENT },
        { kind: SpanKind.INTERNAL },
        async () => {
          expect(uploadIdIn()).toBe('u1');
          expect(logFields()).toMatchObject({ trace_id: TRACE_ID, uploadId: 'u1' });
        },
      );
      const verify = exporter.getFinishedSpans().find((span) => span.name === 'verify')!;
      expect(verify.spanContext().traceId).toBe(TRACE_ID);
      expect(verify.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(verify.links.map((link) => link.context.spanId)).toEqual([
        consumer.spanContext().spanId,
      ]);
    });
  });

  it('stays in the current trace when the upload has no traceparent', async () => {
    await inSpan('consume', {}, async (consumer) => {
      await continueUploadTrace(
        'verify',
        { id: 'u1', traceParent: null },
        { kind: 0 },
        async () => {},
      );
      const verify = exporter.getFinishedSpans().find((span) => span.name === 'verify')!;
      expect(verify.parentSpanContext?.spanId).toBe(consumer.spanContext().spanId);
      expect(verify.links).toEqual([]);
    });
  });
});

describe('inSpan', () => {
  it('ends a span whose work throws with status ERROR and the exception', async () => {
    await expect(
      inSpan('fails', {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'fails', status: { code: 2 } });
    expect(span!.events.map((event) => event.name)).toEqual(['exception']);
  });
});

describe('logFields', () => {
  it('has nothing outside spans and uploads', () => {
    expect(logFields()).toEqual({});
  });

  it('carries the upload without a span', () => {
    withUpload('u2', () => expect(logFields()).toEqual({ uploadId: 'u2' }));
  });
});
