import { cpuPerFile, hottestNodeProcess } from './cpu-per-file.ts';

const used = {
  'upload-api': 0.5,
  verifier: 1,
  scanner: 1.5,
  notifier: 0.25,
  media: 0,
  postgres: 2,
  emulators: 4,
  clamd: 0.5,
  web: 0.05,
};

describe('cpuPerFile', () => {
  it('divides each process by the files and adds ours apart from the emulators and clamd', () => {
    const figures = cpuPerFile(used, 500);
    expect(figures.processes.scanner).toBe(3);
    expect(figures.ours).toBe((5.25 * 1000) / 500);
    expect(figures.emulators).toBe(8);
    expect(figures.clamd).toBe(1);
  });

  it('is NaN, not infinite, for a set where no file came through', () => {
    expect(cpuPerFile(used, 0).ours).toBeNaN();
  });
});

describe('hottestNodeProcess', () => {
  it('is the busiest of our Node processes, never PostgreSQL or the emulators', () => {
    expect(hottestNodeProcess(used)).toBe('scanner');
    expect(hottestNodeProcess({ postgres: 3, emulators: 9 })).toBeUndefined();
  });
});
