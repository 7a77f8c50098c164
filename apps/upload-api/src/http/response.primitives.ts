import { z } from 'zod';

/** The building blocks of the response schemas (`*.responses.ts`). */
export const uuid = z.uuid();
export const timestamp = z.iso.datetime();
export const base64Sha256 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/);

/**
 * `value`, checked against `schema` and returned unchanged (same object, same
 * key order): for what core types more loosely than the documented contract
 * (a `Record` of headers, a state). A mismatch throws, so the client gets a
 * 500 `internal_error` rather than a body that contradicts the document.
 */
export function conforming<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.infer<Schema> {
  schema.parse(value);
  return value as z.infer<Schema>;
}
