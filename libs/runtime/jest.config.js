import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'runtime',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
