import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'client',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
