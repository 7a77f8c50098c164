import {
  context,
  propagation,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';

/** The span attribute (and baggage entry) naming the upload a span worked for. */
export const UPLOAD_ID_ATTRIBUTE = 'airlock.upload.id';

const TRACER_NAME = 'airlock';

/**
 * Runs `work` in a new active span: ended when the work settles, its status
 * ERROR (with the exception recorded) when the work throws. Without a
 * registered SDK, the span is the API's no-op.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `work` as the work of one upload: the active span gets its id as
 * {@link UPLOAD_ID_ATTRIBUTE}, and so does every span started inside (the SDK
 * setup copies it from the context's baggage), and every log line written
 * inside carries `uploadId`. The baggage is never propagated to other processes.
 */
export function withUpload<T>(uploadId: string, work: () => T, parent = context.active()): T {
  trace.getSpan(parent)?.setAttribute(UPLOAD_ID_ATTRIBUTE, uploadId);
  const baggage = (propagation.getBaggage(parent) ?? propagation.createBaggage()).setEntry(
    UPLOAD_ID_ATTRIBUTE,
    { value: uploadId },
  );
  return context.with(propagation.setBaggage(parent, baggage), work);
}

/** The upload whose work `ctx` is ({@link withUpload}), if any. */
export function uploadIdIn(ctx: Context = context.active()): string | undefined {
  return propagation.getBaggage(ctx)?.getEntry(UPLOAD_ID_ATTRIBUTE)?.value;
}
