import preset from '../jest.preset.js';

export default {
  ...preset,
  displayName: 'infra',
  // The preset's tsconfig path assumes projects two levels deep (apps/x, libs/x).
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/../tsconfig.json' }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
};
