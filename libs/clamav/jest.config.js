import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'clamav',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
