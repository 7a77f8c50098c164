import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'client:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/../dev-stack/src/jest-global-setup.ts',
  // Large files: each test bounds itself; this is the ceiling.
  testTimeout: 600_000,
};
