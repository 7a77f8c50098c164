import { z } from 'zod';
import {
  ALLOWED_TYPES,
  checkFileName,
  MAX_PART_COUNT,
  MAX_PARTS_PER_CALL,
  MAX_SINGLE_REQUEST_BYTES,
} from '@airlock/core';

// The descriptions are the OpenAPI document's (`GET /openapi.json`).
export const createUploadBody = z
  .strictObject({
    // Required with an API key (400 at `siteId` without); a token's own site when omitted.
    siteId: z
      .uuid()
      .optional()
      .describe(
        'The site the file belongs to: required with an API key (400 without). A site of another ' +
          'customer is answered exactly like one that does not exist: 404 `site_not_found`. With ' +
          'an upload token: its own site, or absent (the token’s site); another is 403 `forbidden`.',
      ),
    customerId: z
      .uuid()
      .optional()
      .describe(
        'Optional. When given it must be the API key’s own customer, or the request is refused (403).',
      ),
    // The rule lives in core (checkFileName): refused names are 400 with an issue
    // at `fileName`; accepted ones are stored in NFC.
    fileName: z
      .string()
      .check((ctx) => {
        const check = checkFileName(ctx.value);
        if (!check.ok)
          ctx.issues.push({ code: 'custom', message: check.problem, input: ctx.value });
      })
      .overwrite((name) => name.normalize('NFC'))
      .describe(
        'The client’s file name, kept for display only: it never becomes part of the object key. ' +
          'Stored in Unicode NFC, at most 255 UTF-8 bytes after NFC. Refused (400 ' +
          '`invalid_request`, an issue at `fileName`): control characters (incl. U+0085), format ' +
          'characters (bidi overrides and isolates, zero-width characters), U+2028/U+2029, lone ' +
          'surrogates, `/` and `\\`, names of dots only (`.`, `..`), and names with nothing visible.',
      ),
    contentType: z
      .string()
      .min(1)
      .max(255)
      .describe(
        'The declared media type; parameters and case are ignored. Accepted: ' +
          ALLOWED_TYPES.map((type) => `\`${type.contentType}\``).join(', ') +
          '. Anything else is refused with 415 `unsupported_type`.',
      ),
    size: z
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .describe(
        'The exact size in bytes; S3 refuses a body of any other length. Limits depend on the type category (413 `file_too_large`).',
      ),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
      .describe('SHA-256 of the content, hex (either case); S3 refuses any other content.'),
    multipart: z
      .boolean()
      .optional()
      .describe(
        '`true`: send the file in parts (`upload.method` `MULTIPART`), for any size of at least ' +
          '5 MiB (smaller: 400). `false`: one PUT, up to 5 GiB. Absent: in parts when `size` is ' +
          'above `MULTIPART_THRESHOLD_BYTES` (100 MiB by default), else one PUT.',
      ),
    form: z
      .boolean()
      .optional()
      .describe(
        '`true`: a presigned POST for an HTML form (`upload.method` `POST`), up to 5 GiB. ' +
          'Cannot be combined with `multipart: true` (400).',
      ),
  })
  .describe('A request for a presigned upload URL.');

export const signPartsBody = z
  .strictObject({
    parts: z
      .array(
        z.strictObject({
          partNumber: z.number().int().min(1).max(MAX_PART_COUNT),
          size: z.number().int().positive().max(MAX_SINGLE_REQUEST_BYTES),
          sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters'),
        }),
      )
      .min(1)
      .max(MAX_PARTS_PER_CALL),
  })
  .describe(
    'The parts to sign, 1 to 100 a call: each `partNumber` within 1..`partCount` (once), its ' +
      '`size` the plan’s (every part `partSize` except the last), its `sha256` the hex SHA-256 ' +
      'of that part’s bytes. Otherwise 400 `invalid_request` with `details.issues`.',
  );

export type CreateUploadBody = z.infer<typeof createUploadBody>;

export const uploadIdParam = z.uuid();

export const contentQuery = z.strictObject({ rendition: z.string().min(1).max(64).optional() });
