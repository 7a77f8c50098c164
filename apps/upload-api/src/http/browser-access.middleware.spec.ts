import { cachedAllowedOrigins } from './browser-access.middleware.ts';

describe('cachedAllowedOrigins', () => {
  function setup(initial: string[]) {
    let clock = 0;
    let origins = initial;
    const loads: number[] = [];
    const cache = cachedAllowedOrigins(
      async () => {
        loads.push(clock);
        return origins;
      },
      { maxAgeMs: 5_000, missReloadMs: 1_000, now: () => clock },
    );
    return {
      cache,
      loads,
      tick: (ms: number) => (clock += ms),
      set: (next: string[]) => (origins = next),
    };
  }

  it('loads once, then answers hits from memory until the cache is 5 s old', async () => {
    const { cache, loads, tick } = setup(['https://a.example']);
    expect(await cache.allows('https://a.example')).toBe(true);
    tick(4_000);
    expect(await cache.allows('https://a.example')).toBe(true);
    expect(loads).toHaveLength(1);
    tick(1_001);
    expect(await cache.allows('https://a.example')).toBe(true);
    expect(loads).toHaveLength(2);
  });

  it('reloads on a miss at most once a second, so a new origin works within a second', async () => {
    const { cache, loads, tick, set } = setup([]);
    expect(await cache.allows('https://new.example')).toBe(false);
    set(['https://new.example']);
    expect(await cache.allows('https://new.example')).toBe(false); // same second: no query
    expect(loads).toHaveLength(1);
    tick(1_001);
    expect(await cache.allows('https://new.example')).toBe(true);
    expect(loads).toHaveLength(2);
  });

  it('forgets a removed origin within 5 s; shares one query between concurrent misses', async () => {
    const { cache, loads, tick, set } = setup(['https://a.example']);
    await cache.allows('https://a.example');
    set([]);
    tick(5_001);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => cache.allows('https://a.example')),
    );
    expect(answers).toEqual([false, false, false, false, false]);
    expect(loads).toHaveLength(2);
  });

  it('keeps the last known origins when a reload fails', async () => {
    let fail = false;
    let clock = 0;
    const cache = cachedAllowedOrigins(
      async () => {
        if (fail) throw new Error('database down');
        return ['https://a.example'];
      },
      { now: () => clock },
    );
    expect(await cache.allows('https://a.example')).toBe(true);
    fail = true;
    clock += 10_000;
    expect(await cache.allows('https://a.example')).toBe(true);
  });
});
