import { z } from 'zod';
import type { Readiness } from '@airlock/runtime';
import { conforming } from './response.primitives.ts';

export const healthSchema = z.strictObject({ status: z.literal('ok') });

const passed = z.strictObject({ ok: z.literal(true) });
const failed = z.strictObject({ ok: z.literal(false), error: z.string() });

export const readySchema = z.strictObject({
  status: z.literal('ready'),
  checks: z.record(z.string(), passed),
});

export const notReadySchema = z.strictObject({
  status: z.literal('unavailable'),
  checks: z
    .record(z.string(), z.discriminatedUnion('ok', [passed, failed]))
    .describe('Every check; at least one has `ok: false`.'),
});

/** `GET /readyz`: 200 when every check passed, else 503 naming each. */
export function presentReadiness(
  readiness: Readiness,
):
  | { status: 200; body: z.infer<typeof readySchema> }
  | { status: 503; body: z.infer<typeof notReadySchema> } {
  return readiness.ready
    ? { status: 200, body: conforming(readySchema, readiness.body) }
    : { status: 503, body: conforming(notReadySchema, readiness.body) };
}
