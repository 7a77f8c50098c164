import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'notifier',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
