import { BatchWindow, outcomesById } from './batch-window.ts';

/** A window whose batches are recorded and answered by `answer`. */
function recordingWindow(
  lingerMs: number,
  answer: (items: number[]) => Array<string | Error> = (items) => items.map((item) => `ok ${item}`),
) {
  const batches: number[][] = [];
  const window = new BatchWindow<number, string>(
    async (items) => (batches.push(items), answer(items)),
    { lingerMs },
  );
  return { batches, window };
}

describe('BatchWindow', () => {
  it('sends what arrives within the linger as one batch, each add settling with its own result', async () => {
    const { batches, window } = recordingWindow(20);
    const results = await Promise.all([1, 2, 3].map((item) => window.add(item)));
    expect(batches).toEqual([[1, 2, 3]]);
    expect(results).toEqual(['ok 1', 'ok 2', 'ok 3']);
  });

  it('sends a full batch of ten at once, without waiting for the linger', async () => {
    const { batches, window } = recordingWindow(60_000);
    const adds = Array.from({ length: 12 }, (_, item) => window.add(item));
    expect(await Promise.all(adds.slice(0, 10))).toHaveLength(10);
    expect(batches.map((batch) => batch.length)).toEqual([10]);
    await window.drain(); // the last two would wait for the linger
    expect(await Promise.all(adds.slice(10))).toEqual(['ok 10', 'ok 11']);
    expect(batches.map((batch) => batch.length)).toEqual([10, 2]);
  });

  it('sends each item alone with a linger of 0', async () => {
    const { batches, window } = recordingWindow(0);
    await Promise.all([window.add(1), window.add(2)]);
    expect(batches).toEqual([[1], [2]]);
  });

  it('rejects only the entries that failed', async () => {
    const { window } = recordingWindow(5, (items) =>
      items.map((item) => (item === 2 ? new Error('throttled') : `ok ${item}`)),
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((item) => window.add(item)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
  });

  it('resolves entries whose result is undefined (a delete), and rejects those answered nothing', async () => {
    const window = new BatchWindow<number, void>(
      async (items) => outcomesById(items.length, { Successful: [{ Id: '0' }] }, () => undefined),
      { lingerMs: 5 },
    );
    const outcomes = await Promise.allSettled([window.add(1), window.add(2)]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: undefined },
      {
        status: 'rejected',
        reason: new Error('the batch request answered nothing for this entry'),
      },
    ]);
  });

  it('rejects every entry of a request that failed whole', async () => {
    const window = new BatchWindow<number, string>(
      async () => {
        throw new Error('connection reset');
      },
      { lingerMs: 5 },
    );
    const outcomes = await Promise.allSettled([window.add(1), window.add(2)]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('connection reset') },
      { status: 'rejected', reason: new Error('connection reset') },
    ]);
  });

  it('drain() sends what waits at once and waits for it', async () => {
    const { batches, window } = recordingWindow(60_000);
    let settled = false;
    void window.add(7).then(() => (settled = true));
    await window.drain();
    expect(batches).toEqual([[7]]);
    expect(settled).toBe(true);
  });
});

describe('outcomesById', () => {
  it('maps successes and failures back to entries by Id, and an entry left unanswered to an error', () => {
    const outcomes = outcomesById(
      3,
      {
        Successful: [{ Id: '2', MessageId: 'm2' }],
        Failed: [{ Id: '0', Code: 'Throttled', Message: 'slow down' }],
      },
      (entry) => entry.MessageId,
    );
    expect(outcomes[0]).toEqual(new Error('Throttled: slow down'));
    expect(outcomes[1]).toBeInstanceOf(Error);
    expect(outcomes[2]).toBe('m2');
  });
});
