import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'core',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageThreshold: { global: { lines: 90 } },
};
