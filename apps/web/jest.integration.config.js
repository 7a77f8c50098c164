import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'web:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/../../libs/dev-stack/src/jest-global-setup.ts',
  // One headless Chromium per file, real uploads through every worker.
  testTimeout: 120_000,
};
