import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'upload-api:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/../../libs/dev-stack/src/jest-global-setup.ts',
  testTimeout: 30_000,
};
