import {
  DEFAULT_EXPIRY_POLICY,
  uploadUrlLifetimeSeconds,
  type ExpiryPolicy,
} from './expiry-policy.ts';

describe('uploadUrlLifetimeSeconds', () => {
  it('grants the floor to tiny files', () => {
    expect(uploadUrlLifetimeSeconds(1, DEFAULT_EXPIRY_POLICY)).toBe(61);
  });
  it('caps large files', () => {
    expect(uploadUrlLifetimeSeconds(10 * 1024 ** 3, DEFAULT_EXPIRY_POLICY)).toBe(3600);
  });
  it('grants exactly the minimum to an empty body', () => {
    expect(uploadUrlLifetimeSeconds(0, DEFAULT_EXPIRY_POLICY)).toBe(60);
  });
  it('rounds a partial second of transfer up', () => {
    const floor = DEFAULT_EXPIRY_POLICY.floorBytesPerSecond;
    expect(uploadUrlLifetimeSeconds(floor, DEFAULT_EXPIRY_POLICY)).toBe(61);
    expect(uploadUrlLifetimeSeconds(floor + 1, DEFAULT_EXPIRY_POLICY)).toBe(62);
  });
  it('plans for the floor bandwidth on a mid-sized file', () => {
    // 25 MiB at 128 KiB/s is 200 s of transfer.
    expect(uploadUrlLifetimeSeconds(25 * 1024 * 1024, DEFAULT_EXPIRY_POLICY)).toBe(260);
  });
  it('follows a custom policy', () => {
    const policy: ExpiryPolicy = { minSeconds: 10, floorBytesPerSecond: 1000, maxSeconds: 100 };
    expect(uploadUrlLifetimeSeconds(5000, policy)).toBe(15);
    expect(uploadUrlLifetimeSeconds(90_000, policy)).toBe(100);
    expect(uploadUrlLifetimeSeconds(91_000, policy)).toBe(100);
  });
  it('never shrinks as the file grows', () => {
    let previous = 0;
    for (let size = 0; size <= 1024 ** 3; size += 7 * 1024 * 1024) {
      const lifetime = uploadUrlLifetimeSeconds(size, DEFAULT_EXPIRY_POLICY);
      expect(lifetime).toBeGreaterThanOrEqual(previous);
      previous = lifetime;
    }
  });
});
