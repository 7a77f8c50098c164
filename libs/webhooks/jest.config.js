import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'webhooks',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
