import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'worker:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/../dev-stack/src/jest-global-setup.ts',
  testTimeout: 60_000,
};
