import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'notifier:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/../../libs/dev-stack/src/jest-global-setup.ts',
  testTimeout: 120_000,
  // One file at a time: pipeline-metrics.test.ts checks the stack's counters
  // moved by exactly its own work, which a concurrent file would add to.
  maxWorkers: 1,
};
