import { hottestFunctions, type CpuProfile } from './cpu-profile.ts';

const frame = (functionName: string, url = '', lineNumber = -1) => ({
  functionName,
  url,
  lineNumber,
});

/** root → handle (twice, under two callers) → hash; idle and GC beside them. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('handle', 'file:///repo/apps/scanner/src/scan.ts', 9) },
    { id: 4, callFrame: frame('handle', 'file:///repo/apps/scanner/src/scan.ts', 9) },
    {
      id: 5,
      callFrame: frame('hash', 'file:///repo/node_modules/@noble/hashes/sha2.js', 40),
    },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  startTime: 0,
  endTime: 10_000,
  // Each sample lasts until the next: 3 → 1 ms, 5 → 4 ms, 4 → 2 ms, 2 (idle) → 2 ms, 6 → 1 ms.
  samples: [3, 5, 4, 2, 6, 3],
  timeDeltas: [0, 1000, 4000, 2000, 2000, 1000],
};

describe('hottestFunctions', () => {
  it('ranks functions by self time, one entry per function, idle left out', () => {
    expect(hottestFunctions(profile, 10, '/repo')).toEqual([
      { name: 'hash', location: '@noble/hashes', selfMs: 4, share: 4 / 8 },
      { name: 'handle', location: 'apps/scanner/src/scan.ts:10', selfMs: 3, share: 3 / 8 },
      { name: '(garbage collector)', location: '', selfMs: 1, share: 1 / 8 },
    ]);
  });

  it('keeps only the top n', () => {
    expect(hottestFunctions(profile, 1, '/repo').map((hot) => hot.name)).toEqual(['hash']);
  });

  it('falls back to hit counts when the profile has no sample timings', () => {
    const counted: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('a', '/elsewhere/a.js', 0), hitCount: 3 },
        { id: 2, callFrame: frame('b', '/elsewhere/b.js', 4), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 4000,
    };
    expect(hottestFunctions(counted, 10, '/repo')).toEqual([
      { name: 'a', location: '/elsewhere/a.js:1', selfMs: 3, share: 0.75 },
      { name: 'b', location: '/elsewhere/b.js:5', selfMs: 1, share: 0.25 },
    ]);
  });
});
