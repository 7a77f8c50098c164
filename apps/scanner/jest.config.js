import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'scanner',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
