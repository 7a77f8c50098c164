import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  envDetector,
  detectResources,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { UPLOAD_ID_ATTRIBUTE, uploadIdIn } from '@airlock/tracing';

type Env = Readonly<Record<string, string | undefined>>;

export type Tracing = {
  /** Whether spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT` or `…_TRACES_ENDPOINT` set). */
  readonly exporting: boolean;
  /** Exports what is still buffered, then stops. Memoised. */
  close(): Promise<void>;
};

/**
 * `OTEL_TRACES_SAMPLER` (and `OTEL_TRACES_SAMPLER_ARG`, the ratio) as the
 * OpenTelemetry specification defines them. @defaultValue parentbased_always_on
 */
export function samplerFromEnv(env: Env): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const argument = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const ratio = Number.isFinite(argument) && argument >= 0 && argument <= 1 ? argument : 1;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    default:
      throw new RangeError(`OTEL_TRACES_SAMPLER: unknown sampler ${JSON.stringify(name)}`);
  }
}

/** Stamps every span started inside `withUpload` with the upload's id. */
const uploadIdStamp: SpanProcessor = {
  onStart(span: Span, parentContext: Context) {
    const uploadId = uploadIdIn(parentContext);
    if (uploadId) span.setAttribute(UPLOAD_ID_ATTRIBUTE, uploadId);
  },
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, as the specification says.
 */
export function tracesUrlOf(env: Env): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

let started: Tracing | undefined;

/**
 * Sets up OpenTelemetry for this process, once, before anything is traced:
 * the async context (which log lines read their `uploadId` and trace ids
 * from), W3C `traceparent` propagation and a tracer provider. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * set, sampled spans are exported over OTLP/HTTP (JSON) in batches
 * (`OTEL_BSP_SCHEDULE_DELAY` ms apart, default 5000); the service is named
 * `service` unless `OTEL_SERVICE_NAME` says otherwise. Without it nothing is
 * exported, but spans still get ids, so the `traceparent` kept on an upload's
 * row and carried by its jobs ties its log lines together across processes;
 * no trace starts sampled, and a sampled one passes through still sampled.
 * `OTEL_SDK_DISABLED=true`: no ids either.
 */
export function startTracing(service: string, env: Env = process.env): Tracing {
  if (started) return started;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const tracesUrl = tracesUrlOf(env);
  const exporting = !disabled && tracesUrl !== undefined;
  if (disabled) {
    started = { exporting, close: () => Promise.resolve() };
    return started;
  }
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }))
    .merge(detectResources({ detectors: [envDetector] }));
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY ?? '5000');
  const provider = new TracerProvider({
    resource,
    // Off: no trace starts sampled here, and one sampled upstream stays so
    // (its spans here are dropped): a process never changes the decision.
    sampler: exporting
      ? samplerFromEnv(env)
      : new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    spanProcessors: exporting
      ? [
          uploadIdStamp,
          new BatchSpanProcessor({
            // The URL from `env`; headers, timeout, compression and
            // certificates the exporter reads from process.env itself.
            exporter: new OTLPTraceExporter({ url: tracesUrl }),
            scheduledDelayMillis: Number.isFinite(delay) && delay > 0 ? delay : 5000,
          }),
        ]
      : [],
  });
  trace.setGlobalTracerProvider(provider);
  let closing: Promise<void> | undefined;
  started = { exporting, close: () => (closing ??= provider.shutdown()) };
  return started;
}
