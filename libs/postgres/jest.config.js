import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'postgres',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
