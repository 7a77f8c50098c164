import { stripVTControlCharacters } from 'node:util';
import { formatBytes, formatCount, formatRate, formatSeconds, renderTop } from './top-layout.ts';
import { TOP_STAGES, type StageSnapshot, type TopSnapshot } from './top-snapshot.ts';

const busy = (stage: StageSnapshot['stage']): StageSnapshot => ({
  stage,
  queue: stage === 'api' ? null : `${stage}-jobs`,
  processes: { up: 1, down: 0 },
  total: 1_234_567,
  ratePerSecond: 123.45,
  outcomes: { done: 1_234_000, retried: 567 },
  failures: { total: 567, perSecond: 0.5 },
  inFlight: 16,
  latency: { p50Seconds: 0.0123, p95Seconds: 1.5 },
  wait: { p50Seconds: 0.2, p95Seconds: 75 },
  queueDepth: { visible: 123_456, inFlight: 1600, delayed: 12 },
  oldestAgeSeconds: 7200,
  dlqDepth: 12_345,
  cpuPercent: 187.3,
  memoryBytes: 3.5 * 1024 ** 3,
});

const snapshot = (overrides: Partial<TopSnapshot> = {}): TopSnapshot => ({
  version: 1,
  at: '2026-11-30T02:00:05.000Z',
  intervalSeconds: 2,
  stages: TOP_STAGES.map(busy),
  scanner: {
    engine: 'ClamAV 1.4.3',
    signatures: '27450/Mon Nov 23 09:00:00 2026',
    lastScanAt: '2026-11-30T02:00:02.000Z',
  },
  outbox: { backlog: 12, oldestAgeSeconds: 4 },
  uploads: {
    windowMinutes: 5,
    byState: { ready: 120, pending: 3, quarantined: 1, uploaded: 2 },
    truncated: false,
  },
  targets: [
    { url: 'http://127.0.0.1:4611/metrics', stage: 'scanner', up: true, error: null },
    {
      url: `http://long.example/${'x'.repeat(120)}`,
      stage: 'media',
      up: false,
      error: 'timed out',
    },
  ],
  problems: ['postgres: timed out'],
  ...overrides,
});

describe('renderTop', () => {
  it('fits 100 columns with the widest values, one row per stage', () => {
    const screen = stripVTControlCharacters(renderTop(snapshot(), { color: true }));
    const lines = screen.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    for (const stage of TOP_STAGES) expect(lines.some((line) => line.startsWith(stage))).toBe(true);
    expect(screen).toContain('123.5k/1600/12');
    expect(screen).toContain('12.3k');
    expect(screen).toContain('clamd ClamAV 1.4.3 · signatures 27450/Mon Nov 23 09:00:00 2026');
    expect(screen).toContain('last scan 3.0s ago');
    // States in the order an upload passes them.
    expect(screen).toContain(
      'uploads, last 5 min: pending 3 · uploaded 2 · ready 120 · quarantined 1',
    );
    expect(screen).toContain('webhook outbox 12 waiting, oldest 4.0s');
    expect(screen).toContain('down media http://long.example/');
    expect(screen).toContain('postgres: timed out');
  });

  it('wraps the uploads by state within 100 columns, every state and count kept', () => {
    const byState = {
      pending: 123_456,
      uploaded: 98_765,
      verified: 87_654,
      clean: 76_543,
      ready: 1_234_567,
      rejected: 4_321,
      quarantined: 321,
      expired: 54_321,
    };
    const screen = stripVTControlCharacters(
      renderTop(snapshot({ uploads: { windowMinutes: 5, byState, truncated: true } }), {
        color: true,
      }),
    );
    const lines = screen.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    const start = lines.findIndex((line) => line.startsWith('uploads, last 5 min (most recent): '));
    const shown = lines
      .slice(start, start + 2)
      .join(' · ')
      .replace(/ · {2}/g, ' · ');
    for (const [state, n] of Object.entries(byState)) expect(shown).toContain(`${state} ${n}`);
    expect(lines[start + 1]).toMatch(/^ {2}\S/);
  });

  it('has colours only when asked (a terminal), the same text either way', () => {
    const plain = renderTop(snapshot(), { color: false });
    const colored = renderTop(snapshot(), { color: true });
    expect(plain).toBe(stripVTControlCharacters(plain));
    expect(colored).not.toBe(plain);
    expect(stripVTControlCharacters(colored)).toBe(plain);
  });

  it('shows unknowns as dashes and a first reading as such', () => {
    const idle: StageSnapshot = {
      ...busy('api'),
      total: null,
      ratePerSecond: null,
      failures: { total: null, perSecond: null },
      inFlight: null,
      latency: { p50Seconds: null, p95Seconds: null },
      wait: { p50Seconds: null, p95Seconds: null },
      queueDepth: null,
      oldestAgeSeconds: null,
      dlqDepth: null,
      cpuPercent: null,
      memoryBytes: null,
      processes: { up: 0, down: 1 },
    };
    const screen = renderTop(
      snapshot({
        stages: [idle],
        intervalSeconds: null,
        scanner: null,
        outbox: null,
        uploads: null,
      }),
      { color: false },
    );
    expect(screen).toContain('first reading');
    expect(screen.split('\n').find((line) => line.startsWith('api'))).toMatch(/^api ✗(\s+-){12}$/);
    expect(screen).toContain('clamd - (no scan recorded)');
  });
});

describe('formats', () => {
  it('keeps every number short', () => {
    expect([0, 0.0004, 0.0123, 1.5, 95, 7200].map(formatSeconds)).toEqual([
      '0s',
      '0.4ms',
      '12ms',
      '1.5s',
      '1.6m',
      '2.0h',
    ]);
    expect([12, 12_345, 1_234_567].map(formatCount)).toEqual(['12', '12.3k', '1.2M']);
    expect([0, 0.25, 12.34, 4321].map(formatRate)).toEqual(['0', '0.3', '12.3', '4321']);
    expect([100 * 1024 ** 2, 3.5 * 1024 ** 3].map(formatBytes)).toEqual(['100M', '3.5G']);
  });
});
