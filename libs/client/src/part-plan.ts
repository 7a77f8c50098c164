/** One part of a multipart upload: bytes [start, end) of the file. */
export type PlannedPart = {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
  readonly size: number;
};

/** A part the store already holds, as `GET /v1/uploads/:id/parts` lists it. */
export type HeldPart = {
  readonly partNumber: number;
  readonly size: number;
  readonly etag?: string;
};

/** S3's limits: at most 10,000 parts; every part but the last at least 5 MiB. */
export const MAX_PARTS = 10_000;

/**
 * The parts the API planned: every part is `partSize` bytes except the last,
 * which holds the rest. Throws when the plan does not describe the file (a
 * plan for another file, or a client and server that disagree).
 */
export function planParts(fileSize: number, partSize: number, partCount: number): PlannedPart[] {
  for (const [name, value] of [
    ['fileSize', fileSize],
    ['partSize', partSize],
    ['partCount', partCount],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  }
  if (partCount > MAX_PARTS) throw new RangeError(`partCount ${partCount} exceeds ${MAX_PARTS}`);
  if (Math.ceil(fileSize / partSize) !== partCount)
    throw new RangeError(
      `a plan of ${partCount} parts of ${partSize} bytes does not fit a file of ${fileSize} bytes`,
    );
  const parts: PlannedPart[] = [];
  for (let index = 0; index < partCount; index += 1) {
    const start = index * partSize;
    const end = Math.min(start + partSize, fileSize);
    parts.push({ partNumber: index + 1, start, end, size: end - start });
  }
  return parts;
}

/**
 * What a resumed upload still has to send: every planned part the store does
 * not hold with exactly its planned size. A held part of another size (a
 * partial or foreign write) is sent again, which replaces it.
 */
export function partsToSend(
  plan: readonly PlannedPart[],
  held: readonly HeldPart[],
): { send: PlannedPart[]; kept: PlannedPart[] } {
  const heldSizes = new Map(held.map((part) => [part.partNumber, part.size]));
  const send: PlannedPart[] = [];
  const kept: PlannedPart[] = [];
  for (const part of plan) (heldSizes.get(part.partNumber) === part.size ? kept : send).push(part);
  return { send, kept };
}

/** Splits a list into consecutive batches of at most `size` (URL requests take ≤ 100 parts). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('batch size must be ≥ 1');
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
