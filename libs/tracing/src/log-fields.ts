import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { uploadIdIn } from './spans.ts';

export type LogFields = { trace_id?: string; span_id?: string; uploadId?: string };

/**
 * What a log line written now is about: the active span's trace and span
 * ids (whether or not the span is sampled, so lines correlate across
 * processes without a collector) and the upload worked for.
 */
export function logFields(): LogFields {
  const active = context.active();
  const fields: LogFields = {};
  const spanContext = trace.getSpanContext(active);
  if (spanContext && isSpanContextValid(spanContext)) {
    fields.trace_id = spanContext.traceId;
    fields.span_id = spanContext.spanId;
  }
  const uploadId = uploadIdIn(active);
  if (uploadId) fields.uploadId = uploadId;
  return fields;
}
