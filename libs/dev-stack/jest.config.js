import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'dev-stack',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
