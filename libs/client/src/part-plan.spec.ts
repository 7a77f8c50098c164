import { batches, MAX_PARTS, partsToSend, planParts } from './part-plan.ts';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('cuts the file into partSize parts, the last holding the rest', () => {
    const plan = planParts(12 * MiB + 3, 5 * MiB, 3);
    expect(plan).toEqual([
      { partNumber: 1, start: 0, end: 5 * MiB, size: 5 * MiB },
      { partNumber: 2, start: 5 * MiB, end: 10 * MiB, size: 5 * MiB },
      { partNumber: 3, start: 10 * MiB, end: 12 * MiB + 3, size: 2 * MiB + 3 },
    ]);
  });

  it('an exact multiple has a full last part; one part covers a small file', () => {
    expect(planParts(10 * MiB, 5 * MiB, 2).map((p) => p.size)).toEqual([5 * MiB, 5 * MiB]);
    expect(planParts(7, 5 * MiB, 1)).toEqual([{ partNumber: 1, start: 0, end: 7, size: 7 }]);
  });

  it('covers every byte once, in order, for awkward sizes', () => {
    for (const [size, partSize] of [
      [300 * MiB, 8 * MiB],
      [5 * 1024 * MiB, 512 * MiB + 1],
      [MiB + 1, 1024],
    ] as const) {
      const plan = planParts(size, partSize, Math.ceil(size / partSize));
      expect(plan[0]!.start).toBe(0);
      expect(plan.at(-1)!.end).toBe(size);
      for (let i = 1; i < plan.length; i += 1) expect(plan[i]!.start).toBe(plan[i - 1]!.end);
      expect(plan.reduce((sum, part) => sum + part.size, 0)).toBe(size);
    }
  });

  it('refuses a plan that does not describe the file', () => {
    expect(() => planParts(10 * MiB, 5 * MiB, 3)).toThrow(/does not fit/);
    expect(() => planParts(10 * MiB, 5 * MiB, 1)).toThrow(/does not fit/);
    expect(() => planParts(0, 5 * MiB, 1)).toThrow(/fileSize/);
    expect(() => planParts(10, 0, 1)).toThrow(/partSize/);
    expect(() => planParts(10, 2.5, 4)).toThrow(/partSize/);
    expect(() => planParts(MAX_PARTS + 1, 1, MAX_PARTS + 1)).toThrow(/exceeds/);
  });
});

describe('partsToSend (resume)', () => {
  const plan = planParts(23, 5, 5); // sizes 5, 5, 5, 5, 3

  it('sends everything when the store holds nothing', () => {
    const { send, kept } = partsToSend(plan, []);
    expect(send.map((p) => p.partNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(kept).toEqual([]);
  });

  it('skips parts held with their planned size and sends the rest, in order', () => {
    const { send, kept } = partsToSend(plan, [
      { partNumber: 4, size: 5, etag: '"d"' },
      { partNumber: 1, size: 5, etag: '"a"' },
      { partNumber: 5, size: 3 },
    ]);
    expect(kept.map((p) => p.partNumber)).toEqual([1, 4, 5]);
    expect(send.map((p) => p.partNumber)).toEqual([2, 3]);
  });

  it('sends again a held part of another size, and ignores parts outside the plan', () => {
    const { send, kept } = partsToSend(plan, [
      { partNumber: 2, size: 4 },
      { partNumber: 5, size: 5 },
      { partNumber: 9, size: 5 },
      { partNumber: 3, size: 5 },
    ]);
    expect(send.map((p) => p.partNumber)).toEqual([1, 2, 4, 5]);
    expect(kept.map((p) => p.partNumber)).toEqual([3]);
  });

  it('sends nothing when every part is held', () => {
    const held = plan.map(({ partNumber, size }) => ({ partNumber, size }));
    expect(partsToSend(plan, held).send).toEqual([]);
  });
});

describe('batches', () => {
  it('splits into consecutive groups of at most the size', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 100)).toEqual([]);
    expect(
      batches(
        Array.from({ length: 250 }, (_, i) => i),
        100,
      ).map((b) => b.length),
    ).toEqual([100, 100, 50]);
    expect(() => batches([1], 0)).toThrow();
  });
});
