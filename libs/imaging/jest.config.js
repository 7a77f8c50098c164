import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'imaging',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageThreshold: { global: { lines: 90 } },
};
