import { z } from 'zod';
import { ERROR_STATUS, type AppError, type ErrorCode } from '@airlock/core';

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const errorCodeSchema = z
  .enum(ERROR_CODES)
  .describe(
    'Every code a client can see. ' +
      ERROR_CODES.map((code) => `\`${code}\`: ${ERROR_STATUS[code]}`).join(', ') +
      '.',
  );

export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: errorCodeSchema,
      message: z.string().describe('For humans; do not parse.'),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Machine-readable extras, depending on the code.'),
    }),
  })
  .describe('Every error response has this body.');

export const validationDetailsSchema = z
  .looseObject({
    issues: z
      .array(
        z.looseObject({
          path: z
            .string()
            .describe(
              'A body field (`siteId`, `url`, …), or `body`, `path`, `query.<name>` for the ' +
                'request as a whole.',
            ),
          message: z.string(),
        }),
      )
      .min(1),
  })
  .describe('Every 400 has `details.issues`: what is wrong, and where.');

export type ErrorBody = z.infer<typeof errorBodySchema>;

export function presentError(error: AppError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}
