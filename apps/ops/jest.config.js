import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'ops',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
