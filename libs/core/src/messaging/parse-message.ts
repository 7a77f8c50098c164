import type { z } from 'zod';
import { PermanentFailure } from './outcomes.ts';

/**
 * A queue message's body against its contract. A body that is not JSON or
 * not the schema can never succeed: it goes to the DLQ at once.
 */
export function parseMessage<Schema extends z.ZodType>(
  schema: Schema,
  body: string,
): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PermanentFailure('unparseable_message', 'the message body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new PermanentFailure('invalid_message', parsed.error.message);
  return parsed.data;
}
