import {
  context,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Link,
  type SpanKind,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { inSpan, withUpload } from './spans.ts';

/** The W3C header (and SQS message attribute, and uploads column) carrying a span context. */
export const TRACE_PARENT = 'traceparent';

const w3c = new W3CTraceContextPropagator();
const carrierSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => (carrier[key] = value),
};
const carrierGetter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};

/** The `traceparent` of the span active in `ctx`; undefined when there is none. */
export function traceParentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, carrierSetter);
  return carrier[TRACE_PARENT];
}

/** A context whose parent is the remote span `traceParent` names; `base` when it names none (absent or malformed). */
export function contextFrom(
  traceParent: string | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  if (!traceParent) return base;
  return w3c.extract(base, { [TRACE_PARENT]: traceParent }, carrierGetter);
}

/**
 * Runs `work` in a span continuing the upload's trace (`traceParent`, kept
 * on its row or carried by its job) and linked to the span active now (the
 * consumer's, in another trace when the message carried no context).
 */
export function continueUploadTrace<T>(
  name: string,
  upload: { readonly id: string; readonly traceParent?: string | null },
  options: { kind: SpanKind },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const current = trace.getSpan(context.active())?.spanContext();
  const parent = contextFrom(upload.traceParent ?? undefined, context.active());
  const continued = trace.getSpanContext(parent);
  const links: Link[] =
    current && continued && current.traceId !== continued.traceId ? [{ context: current }] : [];
  return withUpload(upload.id, () => inSpan(name, { kind: options.kind, links }, work), parent);
}
