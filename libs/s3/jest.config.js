import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 's3',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
