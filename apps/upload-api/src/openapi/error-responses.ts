import { ERROR_STATUS, type ErrorCode } from '@airlock/core';
import { errorBodySchema, validationDetailsSchema } from '../http/error.responses.ts';
import type { OpenApiResponse } from './openapi.types.ts';
import { schemaFor } from './schemas.ts';

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is malformed: `details.issues` lists what is wrong.',
  401:
    'Missing, malformed, unknown or revoked API key; or an upload token that is unknown, ' +
    'malformed, expired, revoked, or whose API key was revoked. Every 401 counts against the client address’s budget of ' +
    'failed authentications (`AUTH_FAILURES_PER_IP_PER_MINUTE`, default 60 a minute); past it ' +
    'the address gets 429.',
  403:
    '`forbidden`: the `customerId` in the body is not the API key’s customer; an upload token ' +
    'asked for an operation tokens may not use, for another site than its own, or was sent ' +
    'by a browser from an origin its site (or the token) does not allow. `token_exhausted`: ' +
    'the token already created its `maxUploads` uploads.',
  404: 'Not found.',
  409:
    'The upload is not in a state that allows this (in progress, conflicting, or not clean). ' +
    '`upload_in_progress` is not a failure: the content is on its way (its parts completed, or ' +
    'being verified); wait `Retry-After` seconds and poll `GET /v1/uploads/{details.uploadId}`.',
  413: 'The declared size exceeds the limit for the type’s category: `details.limit` (bytes) and `details.category`.',
  415: 'The content type is not accepted: `details.allowed` lists those that are.',
  429:
    'Too many requests for this API key, or too many failed authentications from this address ' +
    '(answered before the key is looked up): retry after `Retry-After` seconds.',
  500: 'Unexpected server error.',
  503: 'A dependency is unavailable.',
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

export const rateLimitHeaders = {
  RateLimit: headerRef('RateLimit'),
  'RateLimit-Policy': headerRef('RateLimitPolicy'),
};

function errorHeaders(status: number, codes: readonly ErrorCode[]) {
  if (status === 429)
    return { headers: { 'Retry-After': headerRef('RetryAfter'), ...rateLimitHeaders } };
  if (codes.includes('upload_in_progress'))
    return { headers: { 'Retry-After': headerRef('PollAfter') } };
  return {};
}

/**
 * One response per status: the `Error` body with `error.code` narrowed to the
 * codes the operation sends with that status (and, for 400, `details.issues`).
 */
export function errorResponses(wanted: readonly ErrorCode[]): Record<string, OpenApiResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of wanted) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => {
      const validation = status === 400;
      const narrowing = {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: {
              code: { enum: codes },
              ...(validation ? { details: schemaFor(validationDetailsSchema) } : {}),
            },
            ...(validation ? { required: ['details'] } : {}),
          },
        },
      };
      return [
        String(status),
        {
          description: `${ERROR_DESCRIPTIONS[status] ?? 'Error.'} Codes: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
          ...errorHeaders(status, codes),
          content: {
            'application/json': { schema: { allOf: [schemaFor(errorBodySchema), narrowing] } },
          },
        },
      ];
    }),
  );
}
