import { forEachWithConcurrency } from './concurrency.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachWithConcurrency', () => {
  it('never runs more than the limit at once, and runs every item in order', async () => {
    let active = 0;
    let maxActive = 0;
    const started: number[] = [];
    await forEachWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      active++;
      maxActive = Math.max(maxActive, active);
      for (let i = 0; i < item % 3; i++) await tick();
      active--;
    });
    expect(maxActive).toBe(3);
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts a waiting item as soon as a slot frees up', async () => {
    const order: string[] = [];
    const slow = Promise.withResolvers<void>();
    const run = forEachWithConcurrency(['slow', 'a', 'b'], 2, async (item) => {
      order.push(`start ${item}`);
      if (item === 'slow') await slow.promise;
      order.push(`end ${item}`);
    });
    await tick();
    expect(order).toEqual(['start slow', 'start a', 'end a', 'start b', 'end b']);
    slow.resolve();
    await run;
    expect(order.at(-1)).toBe('end slow');
  });

  it('finishes the other items when one rejects, then rejects with every error', async () => {
    const done: number[] = [];
    const run = forEachWithConcurrency([1, 2, 3], 1, async (item) => {
      if (item === 2) throw new Error('two');
      done.push(item);
    });
    await expect(run).rejects.toThrow(AggregateError);
    await expect(run).rejects.toMatchObject({ errors: [new Error('two')] });
    expect(done).toEqual([1, 3]);
  });

  it('resolves at once for no items', async () => {
    await expect(forEachWithConcurrency([], 4, () => Promise.reject(new Error()))).resolves.toBe(
      undefined,
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects a limit of %p', async (limit) => {
    await expect(forEachWithConcurrency([1], limit, async () => {})).rejects.toThrow(RangeError);
  });
});
