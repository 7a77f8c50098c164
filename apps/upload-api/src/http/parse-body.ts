import type { z } from 'zod';
import { Errors } from '@airlock/core';

/** The body against its schema, or 400 `invalid_request` listing every issue. */
export function parseBody<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw Errors.invalidRequest(`The request body is not a valid ${what}`, {
      issues: parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
    });
  }
  return parsed.data;
}
