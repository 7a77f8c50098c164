import preset from '../../jest.preset.js';

export default {
  ...preset,
  displayName: 'imaging',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageThreshold: { global: { lines: 90 } },
  // Every test encodes real images with libvips on one thread (configureSharp).
  // The phone photo's three renditions (an AVIF at 1024 px among them) took
  // 2.7 s with both cores saturated and 9-12 s with five other stacks running
  // too (load average 12-14): past jest's 5 s default (issue 15). The limits'
  // own timeoutSeconds (30 s) is what bounds a hang.
  testTimeout: 60_000,
};
