import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { samplerFromEnv, tracesUrlOf } from './tracing.ts';

describe('samplerFromEnv', () => {
  it('is parent-based, sampling every root, by default', () => {
    const sampler = samplerFromEnv({});
    expect(sampler).toBeInstanceOf(ParentBasedSampler);
    expect(sampler.toString()).toContain('root=AlwaysOnSampler');
  });

  it.each([
    ['always_on', AlwaysOnSampler],
    ['ALWAYS_OFF', AlwaysOffSampler],
    ['traceidratio', TraceIdRatioBasedSampler],
    ['parentbased_always_off', ParentBasedSampler],
    ['parentbased_traceidratio', ParentBasedSampler],
  ])('reads OTEL_TRACES_SAMPLER=%s', (name, type) => {
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: name })).toBeInstanceOf(type);
  });

  it('takes the ratio from OTEL_TRACES_SAMPLER_ARG', () => {
    const sampler = samplerFromEnv({
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(sampler.toString()).toBe('TraceIdRatioBased{0.25}');
  });

  it('refuses an unknown sampler rather than tracing otherwise than asked', () => {
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(
      /unknown sampler/,
    );
  });
});

describe('tracesUrlOf', () => {
  it('appends /v1/traces to the general endpoint', () => {
    expect(tracesUrlOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
  });

  it('takes the traces endpoint as it is, before the general one', () => {
    expect(
      tracesUrlOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      }),
    ).toBe('https://traces.example/otlp');
  });

  it('is unset without either: nothing is exported', () => {
    expect(tracesUrlOf({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBeUndefined();
    expect(tracesUrlOf({})).toBeUndefined();
  });
});
