import { maxLeaseFor, SharedBudgetStore, type BudgetLeases } from './shared-budget.store.ts';

const WINDOW = 60_000;

/** The lease statement's arithmetic, in memory: one total per (key, window). */
class FakeLeases implements BudgetLeases {
  readonly totals = new Map<string, number>();
  readonly asks: number[] = [];
  readonly sweeps: number[] = [];
  failing = false;

  async lease(key: string, windowStart: Date, ask: number, limit: number) {
    if (this.failing) throw new Error('connect ECONNREFUSED');
    this.asks.push(ask);
    const id = `${key}@${windowStart.getTime()}`;
    const leased = this.totals.get(id) ?? 0;
    const granted = Math.max(0, Math.min(ask, limit - leased));
    this.totals.set(id, leased + granted);
    return { granted, leased: leased + granted };
  }

  async deleteWindowsBefore(before: Date) {
    this.sweeps.push(before.getTime());
    return 0;
  }
}

const clock = (start: number) => {
  const time = { now: start };
  return { time, now: () => time.now };
};

const admitted = (hits: number, limit: number) => hits <= limit;

describe('maxLeaseFor', () => {
  it.each([
    [1, 1],
    [3, 1],
    [20, 1],
    [21, 2],
    [600, 30],
    [10_000, 500],
  ])('limit %i: leases of at most %i', (limit, lease) => {
    expect(maxLeaseFor(limit)).toBe(lease);
  });
});

describe('SharedBudgetStore', () => {
  it('leases 1, 2, 4, … up to the maximum lease, one round trip per lease, not per request', async () => {
    const leases = new FakeLeases();
    const { now } = clock(10 * WINDOW);
    const store = new SharedBudgetStore(leases, { limit: 600, windowMs: WINDOW, now });
    for (let i = 0; i < 200; i++) await store.increment('k');
    expect(leases.asks).toEqual([1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30]);
    expect(leases.asks.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(200);
  });

  it('admits exactly the limit across three processes sharing one budget, then refuses without asking again', async () => {
    const leases = new FakeLeases();
    const { now } = clock(10 * WINDOW);
    const limit = 100;
    const stores = [1, 2, 3].map(
      () => new SharedBudgetStore(leases, { limit, windowMs: WINDOW, now }),
    );
    const answers = [];
    for (let i = 0; i < 3 * limit; i++) answers.push(await stores[i % 3]!.increment('k'));
    expect(answers.filter((a) => admitted(a.totalHits, limit))).toHaveLength(limit);
    const roundTrips = leases.asks.length;
    expect(roundTrips).toBeLessThan(limit / 3);
    // Every process has seen the window spent: no more round trips in it.
    for (const store of stores) await store.increment('k');
    expect(leases.asks).toHaveLength(roundTrips);
  });

  it('answers a refusal as limit + 1 hits with the window end as reset time', async () => {
    const leases = new FakeLeases();
    const { now } = clock(10 * WINDOW + 15_000);
    const store = new SharedBudgetStore(leases, { limit: 2, windowMs: WINDOW, now });
    await store.increment('k');
    await store.increment('k');
    expect(await store.increment('k')).toEqual({
      totalHits: 3,
      resetTime: new Date(11 * WINDOW),
    });
  });

  it('counts unspent leases of other processes as used in the hits it reports', async () => {
    const leases = new FakeLeases();
    const { now } = clock(10 * WINDOW);
    const [a, b] = [1, 2].map(
      () => new SharedBudgetStore(leases, { limit: 600, windowMs: WINDOW, now }),
    );
    await a!.increment('k'); // leases 1
    await a!.increment('k'); // leases 2, one left here
    expect((await b!.increment('k')).totalHits).toBe(4); // b leased 1: 4 handed out, 0 unspent at b
    expect((await a!.increment('k')).totalHits).toBe(3); // a saw 3 handed out, spent its last
  });

  it('sizes the next lease to the requests waiting for it: a burst costs two round trips, not one per request', async () => {
    const leases = new FakeLeases();
    const { now } = clock(10 * WINDOW);
    const store = new SharedBudgetStore(leases, { limit: 600, windowMs: WINDOW, now });
    await store.increment('k');
    const burst = await Promise.all(Array.from({ length: 20 }, () => store.increment('k')));
    expect(burst.every((a) => admitted(a.totalHits, 600))).toBe(true);
    // The first of the burst leases 2 (the doubling); the 18 left waiting lease together.
    expect(leases.asks).toEqual([1, 2, 18]);
  });

  it('restores the budget in the next window, keeping the lease size, and keys are independent', async () => {
    const leases = new FakeLeases();
    const { time, now } = clock(10 * WINDOW);
    const store = new SharedBudgetStore(leases, { limit: 40, windowMs: WINDOW, now });
    const spend = async (key: string, n: number) => {
      let admittedCount = 0;
      for (let i = 0; i < n; i++) if ((await store.increment(key)).totalHits <= 40) admittedCount++;
      return admittedCount;
    };
    expect(await spend('k', 50)).toBe(40);
    expect(await spend('other', 10)).toBe(10);
    const asked = leases.asks.length;
    time.now = 11 * WINDOW + 1;
    expect(await spend('k', 2)).toBe(2);
    expect(leases.asks[asked]).toBe(maxLeaseFor(40));
    expect(await spend('k', 50)).toBe(38);
  });

  it('deletes windows before the previous one once per window', async () => {
    const leases = new FakeLeases();
    const { time, now } = clock(10 * WINDOW + 5);
    const store = new SharedBudgetStore(leases, { limit: 10, windowMs: WINDOW, now });
    await store.increment('a');
    await store.increment('b');
    time.now = 12 * WINDOW;
    await store.increment('a');
    expect(leases.sweeps).toEqual([9 * WINDOW, 11 * WINDOW]);
  });

  it('fails open to a per-process budget for the window when a lease fails, then leases again', async () => {
    const leases = new FakeLeases();
    const { time, now } = clock(10 * WINDOW);
    const errors: unknown[] = [];
    const outcomes: string[] = [];
    const store = new SharedBudgetStore(leases, {
      limit: 5,
      windowMs: WINDOW,
      now,
      onError: (error) => errors.push(error),
      onLease: (outcome) => outcomes.push(outcome),
    });
    await store.increment('k');
    leases.failing = true;
    const hits = [];
    for (let i = 0; i < 6; i++) hits.push((await store.increment('k')).totalHits);
    expect(hits).toEqual([2, 3, 4, 5, 6, 6]);
    expect(errors).toHaveLength(1);
    expect(outcomes).toEqual(['granted', 'failed']);
    leases.failing = false;
    time.now = 11 * WINDOW;
    expect((await store.increment('k')).totalHits).toBe(1);
    expect(outcomes).toEqual(['granted', 'failed', 'granted']);
  });
});
