import preset from '../../jest.preset.js';

// Real HTTP servers on loopback; nothing from the dev stack.
export default {
  ...preset,
  displayName: 'webhooks:integration',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30_000,
};
