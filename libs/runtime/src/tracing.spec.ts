import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { samplerFromEnv } from './tracing.ts';

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
