import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'notifier:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/../../libs/dev-stack/src/jest-global-setup.ts',
  testTimeout: 120_000,
};
