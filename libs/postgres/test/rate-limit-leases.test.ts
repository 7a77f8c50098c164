import { createPool, PgRateLimitLeases, type Pool } from '../src/index.ts';
import { useTestDatabase } from './test-database.ts';

// The lease statement of the shared per-key rate limit, against real
// PostgreSQL: what it grants, and that concurrent leases from many
// connections never hand out more than the limit.

let pool: Pool;
let url: string;
useTestDatabase((created, createdUrl) => {
  pool = created;
  url = createdUrl;
});

const minute = (n: number) => new Date(Date.UTC(2026, 10, 30, 2, n));

describe('PgRateLimitLeases', () => {
  const leases = () => new PgRateLimitLeases({ pool });

  it('grants min(asked, what is left) and 0 once the window is spent', async () => {
    const window = minute(0);
    await expect(leases().lease('k', window, 4, 10)).resolves.toEqual({ granted: 4, leased: 4 });
    await expect(leases().lease('k', window, 4, 10)).resolves.toEqual({ granted: 4, leased: 8 });
    await expect(leases().lease('k', window, 4, 10)).resolves.toEqual({ granted: 2, leased: 10 });
    await expect(leases().lease('k', window, 4, 10)).resolves.toEqual({ granted: 0, leased: 10 });
    // Another window, another key: budgets of their own.
    await expect(leases().lease('k', minute(1), 4, 10)).resolves.toEqual({ granted: 4, leased: 4 });
    await expect(leases().lease('other', window, 4, 10)).resolves.toEqual({
      granted: 4,
      leased: 4,
    });
  });

  it('never hands out more than the limit to leases racing from separate connections', async () => {
    const racers = [1, 2, 3, 4].map(() => createPool(url, { max: 4 }));
    try {
      const window = minute(5);
      const granted = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          new PgRateLimitLeases({ pool: racers[i % racers.length]! })
            .lease('race', window, 1 + (i % 5), 100)
            .then((lease) => lease.granted),
        ),
      );
      expect(granted.reduce((a, b) => a + b)).toBe(100);
      const { rows } = await pool.query(
        `SELECT leased FROM rate_limit_leases WHERE key = 'race' AND window_start = $1`,
        [window],
      );
      expect(rows).toEqual([{ leased: 100 }]);
    } finally {
      await Promise.all(racers.map((racer) => racer.end()));
    }
  });

  it('deletes the windows before a time, and only those', async () => {
    await leases().lease('sweep', minute(10), 1, 10);
    await leases().lease('sweep', minute(11), 1, 10);
    await leases().lease('sweep', minute(12), 1, 10);
    expect(await leases().deleteWindowsBefore(minute(11))).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query<{ window_start: Date }>(
      `SELECT window_start FROM rate_limit_leases WHERE key = 'sweep' ORDER BY 1`,
    );
    expect(rows.map((row) => row.window_start)).toEqual([minute(11), minute(12)]);
  });

  it('keeps its counters in an UNLOGGED table', async () => {
    const { rows } = await pool.query<{ relpersistence: string }>(
      `SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_leases'`,
    );
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });
});
