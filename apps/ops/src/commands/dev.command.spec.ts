import { groupLines } from './dev.command.ts';

describe('airlock dev status, as text', () => {
  it('shows one line per app, and an app with replicas as a count with each replica under it', () => {
    expect(
      groupLines([
        { name: 'emulators', group: 'emulators', running: true, pid: 10 },
        { name: 'verifier-1', group: 'verifier', running: true, pid: 11 },
        { name: 'verifier-2', group: 'verifier', running: false, pid: undefined },
        { name: 'web', group: 'web', running: false, pid: undefined },
      ]),
    ).toEqual([
      'emulators    running (pid 10)',
      'verifier     1 of 2 running',
      '  verifier-1     running (pid 11)',
      '  verifier-2     stopped',
      'web          stopped',
    ]);
  });
});
