// Shared by every project's jest config. Sources are native ESM TypeScript
// (Node 24 strips the types at run time); ts-jest only transpiles them here.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/../../tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
