import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'dev-stack:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/src/jest-global-setup.ts',
  testTimeout: 60_000,
};
