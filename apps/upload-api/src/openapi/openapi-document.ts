/**
 * The OpenAPI 3.1 description of the upload API, served at `GET /openapi.json`.
 *
 * What can drift is derived, not copied: every request and response body is
 * generated from the zod schema the route parses the request with or types
 * its response by (`./schemas.ts`), the state and error-code enums come from
 * `@airlock/core`. `openapi-document.spec.ts` checks that every route exists in
 * `paths` (and back), and integration tests validate real responses against it.
 */
import { operationsPaths } from './operations.paths.ts';
import type { OpenApiDocument } from './openapi.types.ts';
import { partsPaths } from './parts.paths.ts';
import { componentSchemas } from './schemas.ts';
import { uploadTokensPaths } from './upload-tokens.paths.ts';
import { uploadsPaths } from './uploads.paths.ts';
import { webhookPaths } from './webhook.paths.ts';

export type {
  JsonSchema,
  OpenApiDocument,
  OpenApiOperation,
  OpenApiResponse,
} from './openapi.types.ts';

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  info: {
    title: 'Airlock upload API',
    version: '0.1.0',
    description:
      'Request presigned S3 upload URLs and follow each upload through verification. ' +
      'Every `/v1` request needs `Authorization: Bearer ak_...` (an API key), or, for the ' +
      'operations that accept it, `Bearer ut_...` (a browser’s upload token). ' +
      'Every error has the body `{ "error": { "code", "message", "details"? } }`.',
  },
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'uploads', description: 'Upload requests and their state.' },
    {
      name: 'upload tokens',
      description:
        'Short-lived tokens a customer’s server mints for a browser page: scoped to one site, ' +
        'types, size, count and origin; they see only the uploads they created.',
    },
    { name: 'webhooks', description: 'Completion webhooks: signed POSTs on terminal states.' },
    { name: 'operations', description: 'Health, readiness and this document.' },
  ],
  paths: {
    ...uploadsPaths,
    ...partsPaths,
    ...webhookPaths,
    ...uploadTokensPaths,
    ...operationsPaths,
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key (ak_...)',
        description: 'An API key issued to a customer: `Authorization: Bearer ak_...`.',
      },
      uploadToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'upload token (ut_...)',
        description:
          'A short-lived token minted with `POST /v1/upload-tokens`, for browser pages: ' +
          '`Authorization: Bearer ut_...`. Accepted only by the operations that list it, on the ' +
          'uploads it created; any other `/v1` operation answers 403 `forbidden`.',
      },
    },
    headers: {
      RetryAfter: {
        description: 'Seconds until the rate-limit window resets.',
        required: true,
        schema: { type: 'integer', minimum: 1 },
      },
      PollAfter: {
        description:
          'With `upload_in_progress`: seconds to wait before polling the upload (or asking again).',
        schema: { type: 'integer', minimum: 1 },
      },
      RateLimit: {
        description:
          'Remaining quota in the current window (IETF draft 8 `RateLimit`). The quota holds ' +
          'across every API process; `r` may be lower than what is left, never higher.',
        schema: { type: 'string' },
      },
      RateLimitPolicy: {
        description:
          'The quota per API key (per upload token for a token), per window aligned to the ' +
          'minute (IETF draft 8 `RateLimit-Policy`).',
        schema: { type: 'string' },
      },
    },
    schemas: componentSchemas,
  },
};
