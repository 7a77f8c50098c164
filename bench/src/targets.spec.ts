import type { Row } from './report.ts';
import { applyTargets, targetsReport, targetVerdicts } from './targets.ts';

const row = (stage: string, measure: string, ours: number | null, ratio: number | null = null) =>
  ({ stage, measure, ours, baseline: null, ratio, target: 'old', met: null }) satisfies Row;

const run: Row[] = [
  row('upload-api', 'POST /v1/uploads @32 req/s', 2400, 1.6),
  row('upload-api', 'POST /v1/uploads @32 p99 ms', 31, 1.3),
  row('upload-api', 'POST /v1/uploads @32 p50 ms', 12),
  row('end to end', 'ours CPU ms/file, 500 × 4 KiB', 5.5),
  row('end to end', 'files/s, 500 × 4 KiB', 210),
  row('end to end', 'arrivals/s, 500 × 4 KiB at 150/s', 146),
  row('end to end', 'p50 ms PUT → ready, 500 × 4 KiB at 150/s', 640),
  row('end to end', 'clamd scans per content, 100 × 4 KiB from 2 customers', null),
];

describe('applyTargets', () => {
  it("writes issue 16's thresholds into the matching rows and leaves the others", () => {
    const applied = applyTargets(run);
    expect(applied.map((r) => [r.target, r.met])).toEqual([
      ['≥ 1.5× seed (aim 2×)', true],
      ['< 25 ms', false],
      ['old', null],
      ['≤ 6 ms', true],
      ['≥ 200 files/s', true],
      ['≥ 95 % of the pace', true],
      ['< 1 s', true],
      ['1', null],
    ]);
  });

  it('judges a ratio, not the raw figure, where the target is relative', () => {
    const [rps] = applyTargets([row('upload-api', 'POST /v1/uploads @32 req/s', 9999, 1.4)]);
    expect(rps!.met).toBe(false);
  });

  it('holds the paced set to the pace its measure names', () => {
    const [slow, fast] = applyTargets([
      row('end to end', 'arrivals/s, 500 × 4 KiB at 150/s', 124),
      row('end to end', 'arrivals/s, 500 × 4 KiB at 100/s', 124),
    ]);
    expect([slow!.met, fast!.met]).toEqual([false, true]);
  });
});

describe('targetVerdicts', () => {
  it('is met only when every criterion is, unmeasured when one is missing and none failed', () => {
    const verdicts = targetVerdicts(applyTargets(run));
    expect(verdicts.map((v) => [v.id, v.met, v.rows.length])).toEqual([
      [1, false, 2],
      [2, true, 4],
      [3, null, 1],
    ]);
  });

  it('counts a target whose rows were not run (a partial run) as not measured', () => {
    const verdicts = targetVerdicts(applyTargets(run.slice(0, 3)));
    expect(verdicts.map((v) => v.met)).toEqual([false, null, null]);
  });

  it('prints each target with its verdict and figures', () => {
    const text = targetsReport(targetVerdicts(applyTargets(run)));
    expect(text).toMatch(/1\. API ahead of the seed.*NOT MET/);
    expect(text).toMatch(/2\. Small files.*met/);
    expect(text).toMatch(/3\. Scan each content once.*not measured/);
    expect(text).toMatch(/POST \/v1\/uploads @32 req\/s\s+1\.60×\s+≥ 1\.5× seed/);
    // p99's target is absolute: its figure is ours in ms, not the ratio to the seed.
    expect(text).toMatch(/POST \/v1\/uploads @32 p99 ms\s+31\.0\s+< 25 ms\s+NO/);
  });
});
