import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'verifier',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
