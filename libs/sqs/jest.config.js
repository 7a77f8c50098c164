import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'sqs',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
