import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'upload-api',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
