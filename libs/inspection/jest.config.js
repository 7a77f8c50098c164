import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'inspection',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageThreshold: { global: { lines: 90 } },
};
