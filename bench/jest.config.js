import preset from '../jest.preset.js';

export default {
  ...preset,
  displayName: 'bench',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/../tsconfig.json' }],
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
