import { buildSnapshot, stageOfService, type TargetReading, type TopReading } from './top-build.ts';
import { parseMetrics } from './top-metrics.ts';
import { TOP_SNAPSHOT_SCHEMA, TOP_STAGES } from './top-snapshot.ts';

/** A scanner's page: `done` messages handled in 0.1–1 s, one `retried`, CPU seconds used. */
const scannerPage = (done: number, retried: number, cpuSeconds: number, slow = 0) => `
# TYPE airlock_queue_messages_total counter
airlock_queue_messages_total{queue="scan-jobs",outcome="done",service="scanner"} ${done}
airlock_queue_messages_total{queue="scan-jobs",outcome="retried",service="scanner"} ${retried}
# TYPE airlock_queue_message_handling_seconds histogram
airlock_queue_message_handling_seconds_bucket{le="0.1",service="scanner",queue="scan-jobs",outcome="done"} 0
airlock_queue_message_handling_seconds_bucket{le="1",service="scanner",queue="scan-jobs",outcome="done"} ${done}
airlock_queue_message_handling_seconds_bucket{le="10",service="scanner",queue="scan-jobs",outcome="done"} ${done + slow}
airlock_queue_message_handling_seconds_bucket{le="+Inf",service="scanner",queue="scan-jobs",outcome="done"} ${done + slow}
airlock_queue_message_handling_seconds_sum{service="scanner",queue="scan-jobs",outcome="done"} 1
airlock_queue_message_handling_seconds_count{service="scanner",queue="scan-jobs",outcome="done"} ${done + slow}
# TYPE airlock_queue_messages_in_flight gauge
airlock_queue_messages_in_flight{queue="scan-jobs",service="scanner"} 3
# TYPE airlock_queue_depth gauge
airlock_queue_depth{queue="scan-jobs",state="visible",service="scanner"} 40
airlock_queue_depth{queue="scan-jobs",state="in_flight",service="scanner"} 3
airlock_queue_depth{queue="scan-jobs",state="delayed",service="scanner"} 0
airlock_queue_depth{queue="scan-jobs-dlq",state="visible",service="scanner"} 2
# TYPE airlock_queue_oldest_message_age_seconds gauge
airlock_queue_oldest_message_age_seconds{queue="scan-jobs",service="scanner"} 12
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{service="scanner"} ${cpuSeconds}
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes{service="scanner"} 104857600
`;

const apiPage = (ok: number, failed: number, created: number) => `
# TYPE airlock_http_request_duration_seconds histogram
airlock_http_request_duration_seconds_bucket{le="0.01",service="upload-api",method="POST",route="/v1/uploads",status="201"} ${ok}
airlock_http_request_duration_seconds_bucket{le="+Inf",service="upload-api",method="POST",route="/v1/uploads",status="201"} ${ok}
airlock_http_request_duration_seconds_count{service="upload-api",method="POST",route="/v1/uploads",status="201"} ${ok}
airlock_http_request_duration_seconds_bucket{le="0.01",service="upload-api",method="GET",route="/readyz",status="503"} 0
airlock_http_request_duration_seconds_bucket{le="+Inf",service="upload-api",method="GET",route="/readyz",status="503"} ${failed}
airlock_http_request_duration_seconds_count{service="upload-api",method="GET",route="/readyz",status="503"} ${failed}
# TYPE airlock_upload_requests_total counter
airlock_upload_requests_total{outcome="created",reason="",service="upload-api"} ${created}
airlock_upload_requests_total{outcome="refused",reason="file_too_large",service="upload-api"} 1
`;

const target = (
  url: string,
  page: string | null,
  stage: TargetReading['stage'],
): TargetReading => ({
  url,
  stage,
  samples: page === null ? null : parseMetrics(page),
  error: page === null ? 'ECONNREFUSED' : null,
});

const reading = (at: number, targets: TargetReading[], extra: Partial<TopReading> = {}) =>
  ({
    at,
    targets,
    queues: {},
    scanner: null,
    uploads: null,
    problems: [],
    ...extra,
  }) satisfies TopReading;

describe('buildSnapshot', () => {
  const scanner = 'http://scanner:4611/metrics';
  const api = 'http://api:4614/metrics';

  it('rates, failures and CPU from counter increases over the interval; latency from bucket increases', () => {
    const before = reading(0, [
      target(scanner, scannerPage(100, 1, 10), 'scanner'),
      target(api, apiPage(50, 0, 50), 'api'),
    ]);
    const after = reading(2000, [
      target(scanner, scannerPage(120, 3, 11, 3), 'scanner'),
      target(api, apiPage(70, 2, 70), 'api'),
    ]);
    const snapshot = TOP_SNAPSHOT_SCHEMA.parse(buildSnapshot(before, after));
    expect(snapshot.intervalSeconds).toBe(2);
    expect(snapshot.stages.map((s) => s.stage)).toEqual(TOP_STAGES);
    const scan = snapshot.stages.find((s) => s.stage === 'scanner')!;
    expect(scan).toMatchObject({
      queue: 'scan-jobs',
      processes: { up: 1, down: 0 },
      total: 123,
      ratePerSecond: 11,
      outcomes: { done: 120, retried: 3 },
      failures: { total: 3, perSecond: 1 },
      inFlight: 3,
      queueDepth: { visible: 40, inFlight: 3, delayed: 0 },
      oldestAgeSeconds: 12,
      dlqDepth: 2,
      cpuPercent: 50,
      memoryBytes: 104857600,
    });
    // 23 handled in the interval: 20 in (0.1, 1], 3 in (1, 10].
    expect(scan.latency.p50Seconds).toBeCloseTo(0.1 + 0.9 * (11.5 / 20), 5);
    expect(scan.latency.p95Seconds).toBeCloseTo(1 + 9 * ((0.95 * 23 - 20) / 3), 5);
    const apiRow = snapshot.stages.find((s) => s.stage === 'api')!;
    expect(apiRow).toMatchObject({
      queue: null,
      total: 72,
      ratePerSecond: 11,
      outcomes: { created: 70, refused: 1 },
      failures: { total: 2, perSecond: 1 },
      inFlight: null,
      queueDepth: null,
    });
    expect(apiRow.latency.p50Seconds).toBeCloseTo(0.005 * (11 / 10), 5);
  });

  it('has totals but no rates on a first reading', () => {
    const snapshot = buildSnapshot(
      undefined,
      reading(0, [target(scanner, scannerPage(5, 0, 1), 'scanner')]),
    );
    expect(snapshot.intervalSeconds).toBeNull();
    expect(snapshot.stages.find((s) => s.stage === 'scanner')).toMatchObject({
      total: 5,
      ratePerSecond: null,
      failures: { total: 0, perSecond: null },
      latency: { p50Seconds: null, p95Seconds: null },
      cpuPercent: null,
    });
    // No 5xx yet: none of its series match, and that is 0, not unknown.
    const no5xx = apiPage(5, 0, 5)
      .split('\n')
      .filter((line) => !line.includes('"503"'))
      .join('\n');
    const idle = buildSnapshot(undefined, reading(0, [target(api, no5xx, 'api')]));
    expect(idle.stages.find((s) => s.stage === 'api')!.failures).toEqual({
      total: 0,
      perSecond: null,
    });
  });

  it('counts from zero again after a restart instead of going negative', () => {
    const snapshot = buildSnapshot(
      reading(0, [target(scanner, scannerPage(500, 0, 100), 'scanner')]),
      reading(1000, [target(scanner, scannerPage(4, 0, 0.5), 'scanner')]),
    );
    expect(snapshot.stages.find((s) => s.stage === 'scanner')).toMatchObject({
      ratePerSecond: 4,
      cpuPercent: 50,
    });
  });

  it('shows a page that does not answer as down, and takes SQS depths over the gauges', () => {
    const snapshot = buildSnapshot(
      undefined,
      reading(0, [target(scanner, scannerPage(1, 0, 1), 'scanner'), target(api, null, 'api')], {
        queues: {
          'scan-jobs': { depth: { visible: 5, inFlight: 1, delayed: 2 }, dlqDepth: 0 },
        },
      }),
    );
    expect(snapshot.stages.find((s) => s.stage === 'api')).toMatchObject({
      processes: { up: 0, down: 1 },
      total: null,
    });
    expect(snapshot.stages.find((s) => s.stage === 'scanner')).toMatchObject({
      queueDepth: { visible: 5, inFlight: 1, delayed: 2 },
      dlqDepth: 0,
    });
    expect(snapshot.targets).toEqual([
      { url: scanner, stage: 'scanner', up: true, error: null },
      { url: api, stage: 'api', up: false, error: 'ECONNREFUSED' },
    ]);
  });

  it('adds the processes of one stage (replicas)', () => {
    const replicas = (done: number) => [
      target('http://a/metrics', scannerPage(done, 0, 1), 'scanner'),
      target('http://b/metrics', scannerPage(done, 0, 1), 'scanner'),
    ];
    const snapshot = buildSnapshot(reading(0, replicas(10)), reading(1000, replicas(15)));
    expect(snapshot.stages.find((s) => s.stage === 'scanner')).toMatchObject({
      processes: { up: 2, down: 0 },
      total: 30,
      ratePerSecond: 10,
      inFlight: 6,
    });
  });
});

describe('the webhook outbox', () => {
  it("comes from the notifier sampler's gauges, and is null where no process reports it", () => {
    const notifier = `
# TYPE airlock_outbox_backlog gauge
airlock_outbox_backlog{service="notifier"} 7
# TYPE airlock_outbox_oldest_age_seconds gauge
airlock_outbox_oldest_age_seconds{service="notifier"} 3.5
`;
    expect(
      buildSnapshot(undefined, reading(0, [target('http://n/metrics', notifier, 'notifier')]))
        .outbox,
    ).toEqual({ backlog: 7, oldestAgeSeconds: 3.5 });
    expect(buildSnapshot(undefined, reading(0, [])).outbox).toBeNull();
  });
});

describe('stageOfService', () => {
  it("names the stage from the registry's service label", () => {
    expect(stageOfService('upload-api')).toBe('api');
    expect(stageOfService('media')).toBe('media');
    expect(stageOfService('web')).toBeNull();
    expect(stageOfService(undefined)).toBeNull();
  });
});
