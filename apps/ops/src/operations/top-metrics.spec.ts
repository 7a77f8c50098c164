import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  bucketIncrease,
  bucketsOf,
  histogramQuantile,
  increase,
  maxOf,
  parseMetrics,
  sumBy,
  sumOf,
} from './top-metrics.ts';

/** A page as prom-client serves it, with two label sets on one histogram. */
async function page(): Promise<string> {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'scanner' });
  const handling = new Histogram({
    name: 'airlock_queue_message_handling_seconds',
    help: 'h',
    labelNames: ['queue', 'outcome'],
    buckets: [0.1, 1],
    registers: [registry],
  });
  handling.observe({ queue: 'scan-jobs', outcome: 'done' }, 0.05);
  handling.observe({ queue: 'scan-jobs', outcome: 'done' }, 0.5);
  handling.observe({ queue: 'scan-jobs', outcome: 'retried' }, 3);
  const messages = new Counter({
    name: 'airlock_queue_messages_total',
    help: 'm',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  messages.inc({ queue: 'scan-jobs', outcome: 'done' }, 2);
  messages.inc({ queue: 'scan-jobs', outcome: 'retried' });
  const depth = new Gauge({
    name: 'airlock_queue_depth',
    help: 'd',
    labelNames: ['queue', 'state'],
    registers: [registry],
  });
  depth.set({ queue: 'we"ird\\name', state: 'visible' }, 7);
  return registry.metrics();
}

describe('parseMetrics', () => {
  it("keeps every histogram series' labels (the library alone merges them by le)", async () => {
    const samples = parseMetrics(await page());
    expect(bucketsOf(samples, 'airlock_queue_message_handling_seconds')).toEqual(
      new Map([
        [0.1, 1],
        [1, 2],
        [Number.POSITIVE_INFINITY, 3],
      ]),
    );
    expect(
      bucketsOf(samples, 'airlock_queue_message_handling_seconds', { outcome: 'retried' }),
    ).toEqual(
      new Map([
        [0.1, 0],
        [1, 0],
        [Number.POSITIVE_INFINITY, 1],
      ]),
    );
    expect(sumOf(samples, 'airlock_queue_message_handling_seconds_count')).toBe(3);
    expect(sumOf(samples, 'airlock_queue_message_handling_seconds_sum')).toBeCloseTo(3.55);
  });

  it('reads counters by label, gauges with escaped label values, and says when a metric is absent', async () => {
    const samples = parseMetrics(await page());
    expect(sumBy(samples, 'airlock_queue_messages_total', 'outcome')).toEqual({
      done: 2,
      retried: 1,
    });
    expect(
      sumOf(samples, 'airlock_queue_messages_total', { outcome: ['retried', 'permanent'] }),
    ).toBe(1);
    expect(maxOf(samples, 'airlock_queue_depth', { queue: 'we"ird\\name' })).toBe(7);
    expect(sumOf(samples, 'airlock_queue_messages_total', { service: /^scan/ })).toBe(3);
    expect(sumOf(samples, 'airlock_nothing_total')).toBeUndefined();
    expect(bucketsOf(samples, 'airlock_nothing_seconds')).toBeUndefined();
  });
});

describe('counter increases', () => {
  it('is the difference, or the new value after a restart', () => {
    expect(increase(10, 15)).toBe(5);
    expect(increase(10, 3)).toBe(3);
  });

  it("takes buckets' differences, and the new counts when any went down", () => {
    const before = new Map([
      [1, 4],
      [Number.POSITIVE_INFINITY, 5],
    ]);
    expect(
      bucketIncrease(
        before,
        new Map([
          [1, 6],
          [Number.POSITIVE_INFINITY, 9],
        ]),
      ),
    ).toEqual(
      new Map([
        [1, 2],
        [Number.POSITIVE_INFINITY, 4],
      ]),
    );
    const restarted = new Map([
      [1, 1],
      [Number.POSITIVE_INFINITY, 1],
    ]);
    expect(bucketIncrease(before, restarted)).toBe(restarted);
  });
});

describe('histogramQuantile', () => {
  const buckets = (entries: [number, number][]) => new Map(entries);

  it("interpolates within the bucket the rank falls in, as Prometheus' histogram_quantile", () => {
    // 100 observations: 50 up to 0.1 s, 40 more up to 0.5 s, 10 more up to 1 s.
    const h = buckets([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.25, h)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.7, h)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.95, h)).toBeCloseTo(0.75);
  });

  it('answers the highest finite bound when the rank is past it, and null with no observations', () => {
    expect(
      histogramQuantile(
        0.95,
        buckets([
          [1, 1],
          [Number.POSITIVE_INFINITY, 10],
        ]),
      ),
    ).toBe(1);
    expect(
      histogramQuantile(
        0.5,
        buckets([
          [1, 0],
          [Number.POSITIVE_INFINITY, 0],
        ]),
      ),
    ).toBeNull();
    expect(histogramQuantile(0.5, undefined)).toBeNull();
    expect(histogramQuantile(0.5, buckets([[1, 3]]))).toBeNull();
  });

  it('skips empty buckets below the rank', () => {
    const h = buckets([
      [0.1, 0],
      [0.2, 0],
      [0.4, 4],
      [Number.POSITIVE_INFINITY, 4],
    ]);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.3);
  });
});
