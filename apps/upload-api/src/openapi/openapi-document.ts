/**
 * The OpenAPI 3.1 description of the upload API, served at `GET /openapi.json`.
 *
 * What can drift is derived, not copied: the request body comes from the zod
 * schema the route parses with, the state and error-code enums from
 * `@airlock/core`. `openapi-document.spec.ts` checks that every route exists in
 * `paths` (and back), and integration tests validate real responses against it.
 */
import { z } from 'zod';
import {
  ALLOWED_TYPES,
  CONFIRMED_STATES,
  UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS,
  UPLOAD_TOKEN_DEFAULT_TTL_SECONDS,
  UPLOAD_TOKEN_MAX_TTL_SECONDS,
  ERROR_STATUS,
  UPLOAD_STATES,
  WEBHOOK_EVENT_TYPES,
  type ErrorCode,
} from '@airlock/core';
import { createUploadBody, signPartsBody } from '../http/upload.schemas.ts';
import { mintUploadTokenBody } from '../http/upload-token.schemas.ts';
import { putWebhookBody } from '../http/webhook.schemas.ts';

export type JsonSchema = { readonly [keyword: string]: unknown };

export type OpenApiResponse = {
  readonly description: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchema }>>;
};

export type OpenApiOperation = {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly parameters?: readonly unknown[];
  readonly requestBody?: unknown;
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
};

export type OpenApiDocument = {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description?: string;
  };
  readonly jsonSchemaDialect: string;
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
  readonly components: {
    readonly securitySchemes: Readonly<Record<string, unknown>>;
    readonly headers: Readonly<Record<string, unknown>>;
    readonly schemas: Readonly<Record<string, JsonSchema>>;
  };
};

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const nullableString: JsonSchema = { type: ['string', 'null'] };
const uploadIdParameter = {
  name: 'uploadId',
  in: 'path',
  required: true,
  description: 'Anything that is not the UUID of one of the caller’s uploads is 404.',
  schema: uuid,
};

// --- The request body, derived from the zod schema the route parses with ---

/**
 * A request body's schema from the zod schema its route parses with (so the
 * two never drift), with a description and, per property, one of its own.
 */
function requestBodySchema(
  body: z.ZodType,
  description: string,
  propertyDescriptions: Record<string, string> = {},
): JsonSchema {
  const schema: Record<string, unknown> = {
    ...z.toJSONSchema(body, { target: 'draft-2020-12' }),
  };
  delete schema['$schema']; // the document's dialect applies
  const properties = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  return {
    ...schema,
    description,
    ...(properties
      ? {
          properties: Object.fromEntries(
            Object.entries(properties).map(([name, property]) => [
              name,
              propertyDescriptions[name]
                ? { ...property, description: propertyDescriptions[name] }
                : property,
            ]),
          ),
        }
      : {}),
  };
}

function createUploadRequestSchema(): JsonSchema {
  const describe: Record<string, string> = {
    siteId:
      'The site the file belongs to: required with an API key (400 without). A site of another ' +
      'customer is answered exactly like one that does not exist: 404 `site_not_found`. With ' +
      'an upload token: its own site, or absent (the token’s site); another is 403 `forbidden`.',
    customerId:
      'Optional. When given it must be the API key’s own customer, or the request is refused (403).',
    fileName:
      'The client’s file name, kept for display only: it never becomes part of the object key. ' +
      'Stored in Unicode NFC, at most 255 UTF-8 bytes after NFC. Refused (400 ' +
      '`invalid_request`, an issue at `fileName`): control characters (incl. U+0085), format ' +
      'characters (bidi overrides and isolates, zero-width characters), U+2028/U+2029, lone ' +
      'surrogates, `/` and `\\`, names of dots only (`.`, `..`), and names with nothing visible.',
    contentType:
      'The declared media type; parameters and case are ignored. Accepted: ' +
      ALLOWED_TYPES.map((type) => `\`${type.contentType}\``).join(', ') +
      '. Anything else is refused with 415 `unsupported_type`.',
    size: 'The exact size in bytes; S3 refuses a body of any other length. Limits depend on the type category (413 `file_too_large`).',
    sha256: 'SHA-256 of the content, hex (either case); S3 refuses any other content.',
    multipart:
      '`true`: send the file in parts (`upload.method` `MULTIPART`), for any size of at least ' +
      '5 MiB (smaller: 400). `false`: one PUT, up to 5 GiB. Absent: in parts when `size` is ' +
      'above `MULTIPART_THRESHOLD_BYTES` (100 MiB by default), else one PUT.',
    form:
      '`true`: a presigned POST for an HTML form (`upload.method` `POST`), up to 5 GiB. ' +
      'Cannot be combined with `multipart: true` (400).',
  };
  return requestBodySchema(createUploadBody, 'A request for a presigned upload URL.', describe);
}

function signPartsRequestSchema(): JsonSchema {
  return requestBodySchema(
    signPartsBody,
    'The parts to sign, 1 to 100 a call: each `partNumber` within 1..`partCount` (once), its ' +
      '`size` the plan’s (every part `partSize` except the last), its `sha256` the hex SHA-256 ' +
      'of that part’s bytes. Otherwise 400 `invalid_request` with `details.issues`.',
  );
}

function mintUploadTokenRequestSchema(): JsonSchema {
  const describe: Record<string, string> = {
    siteId:
      'The site the token uploads to: one of the API key’s customer’s sites (another customer’s ' +
      'is 404 `site_not_found`, like a missing one).',
    contentTypes:
      'The types the token may upload, from the allow-list (anything else is 400). Absent: the ' +
      'whole allow-list.',
    maxSize:
      'The largest file the token may upload, in bytes, at most the largest category limit; ' +
      'the category limits still apply. Absent: the category limits alone.',
    maxUploads: `How many uploads the token may create (a resumed one is not counted again). Default ${UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS}.`,
    ttlSeconds: `Lifetime, at most ${UPLOAD_TOKEN_MAX_TTL_SECONDS} (one hour). Default ${UPLOAD_TOKEN_DEFAULT_TTL_SECONDS}. Uploads it created can still be followed with the API key afterwards.`,
    origin:
      'A browser origin (`https://shop.example`): browser requests with the token must come from ' +
      'it, and it must also be one of the site’s allowed origins.',
  };
  return requestBodySchema(mintUploadTokenBody, 'What an upload token may do.', describe);
}

function putWebhookRequestSchema(): JsonSchema {
  return requestBodySchema(
    putWebhookBody,
    'Where completion webhooks go: an https URL (http only where the operator allows it). ' +
      'A host that is an IP address must be a public unicast one (not loopback, private, ' +
      'link-local such as 169.254.169.254, IPv4-mapped or IPv4-compatible IPv6, in any ' +
      'spelling such as `2130706433`), unless the operator allows it (`WEBHOOK_ALLOWED_CIDRS`); ' +
      'otherwise 400 `invalid_request` with an issue at `url`. A name is checked where it ' +
      'resolves, at every delivery. ' +
      'Set `rotateSecret` to replace the signing secret; otherwise a new URL keeps the old one.',
  );
}

const webhookProperties = {
  url: { type: 'string', format: 'uri' },
  events: {
    type: 'array',
    items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
    description: 'The events POSTed to the URL: every upload that reaches a terminal state.',
  },
  createdAt: dateTime,
  updatedAt: dateTime,
} as const;

// --- Errors ---

const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

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

/** One response per status, each narrowing `error.code` to the given codes. */
function errorResponses(...codes: readonly ErrorCode[]): Record<string, OpenApiResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      String(status),
      {
        description: `${ERROR_DESCRIPTIONS[status] ?? 'Error.'} Codes: ${statusCodes.map((c) => `\`${c}\``).join(', ')}.`,
        ...(status === 429
          ? {
              headers: {
                'Retry-After': headerRef('RetryAfter'),
                RateLimit: headerRef('RateLimit'),
                'RateLimit-Policy': headerRef('RateLimitPolicy'),
              },
            }
          : statusCodes.includes('upload_in_progress')
            ? { headers: { 'Retry-After': headerRef('PollAfter') } }
            : {}),
        content: json({
          allOf: [
            ref('Error'),
            {
              type: 'object',
              properties: {
                error: {
                  type: 'object',
                  properties: {
                    code: { enum: statusCodes },
                    ...(status === 400 ? { details: ref('ValidationDetails') } : {}),
                  },
                  ...(status === 400 ? { required: ['details'] } : {}),
                },
              },
            },
          ],
        }),
      },
    ]),
  );
}

const rateLimitHeaders = {
  RateLimit: headerRef('RateLimit'),
  'RateLimit-Policy': headerRef('RateLimitPolicy'),
};

// --- Reusable schemas ---

const schemas: Record<string, JsonSchema> = {
  UploadState: {
    type: 'string',
    enum: [...UPLOAD_STATES],
    description:
      'pending → uploaded → verified → clean → ready; or rejected, quarantined, expired (terminal). ' +
      '`ready` content may still be quarantined later.',
  },
  ErrorCode: {
    type: 'string',
    enum: ERROR_CODES,
    description:
      'Every code a client can see. ' +
      ERROR_CODES.map((c) => `\`${c}\`: ${ERROR_STATUS[c]}`).join(', ') +
      '.',
  },
  Error: {
    type: 'object',
    description: 'Every error response has this body.',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: ref('ErrorCode'),
          message: { type: 'string', description: 'For humans; do not parse.' },
          details: {
            type: 'object',
            description: 'Machine-readable extras, depending on the code.',
          },
        },
      },
    },
  },
  ValidationDetails: {
    type: 'object',
    description: 'Every 400 has `details.issues`: what is wrong, and where.',
    required: ['issues'],
    properties: {
      issues: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: {
              type: 'string',
              description:
                'A body field (`siteId`, `url`, …), or `body`, `path`, `query.<name>` for the ' +
                'request as a whole.',
            },
            message: { type: 'string' },
          },
        },
      },
    },
  },
  CreateUploadRequest: createUploadRequestSchema(),
  PresignedPut: {
    type: 'object',
    description:
      'Send the file with this method to this URL, setting exactly `headers` (every one is ' +
      'signed, and a browser may set each). The URL also signs `Content-Length`, the declared ' +
      '`size`: it is not in `headers` because every HTTP client sends it itself for a body of ' +
      'known length (a browser refuses to be told to), and S3 refuses a body of another ' +
      'length, type or content.',
    required: ['method', 'url', 'headers', 'expiresAt'],
    additionalProperties: false,
    properties: {
      method: { type: 'string', const: 'PUT' },
      url: { type: 'string', format: 'uri' },
      headers: {
        type: 'object',
        required: ['Content-Type', 'x-amz-checksum-sha256'],
        additionalProperties: false,
        properties: {
          'Content-Type': { type: 'string', description: 'The canonical media type.' },
          'x-amz-checksum-sha256': {
            type: 'string',
            description: 'The SHA-256, base64.',
            pattern: '^[A-Za-z0-9+/]{43}=$',
          },
        },
      },
      expiresAt: { ...dateTime, description: 'The URL stops working at this time.' },
    },
  },
  PresignedPost: {
    type: 'object',
    description:
      'An HTML form POST (S3 POST Object): send `fields` as form fields, then the file as the ' +
      'last field, named `file`. The policy pins bucket, key, `Content-Type`, the exact length ' +
      '(`content-length-range`) and `x-amz-checksum-sha256`: S3 refuses (403) anything else. ' +
      'A success is 204.',
    required: ['method', 'url', 'fields', 'expiresAt'],
    additionalProperties: false,
    properties: {
      method: { type: 'string', const: 'POST' },
      url: { type: 'string', format: 'uri', description: 'The form’s action.' },
      fields: {
        type: 'object',
        description: 'Every field is a condition of the signed policy; send each one as is.',
        required: ['key', 'Content-Type', 'x-amz-checksum-sha256', 'Policy'],
        properties: {
          key: { type: 'string' },
          'Content-Type': { type: 'string' },
          'x-amz-checksum-sha256': { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
          Policy: { type: 'string' },
        },
        additionalProperties: { type: 'string' },
      },
      expiresAt: { ...dateTime, description: 'The policy stops working at this time.' },
    },
  },
  MultipartPlan: {
    type: 'object',
    description:
      'Send the file in parts: every part is `partSize` bytes except the last ' +
      '(`size − partSize × (partCount − 1)`). Ask `POST /v1/uploads/{uploadId}/parts` for the ' +
      'part URLs (up to 100 a call, as many times as needed), PUT the parts (in parallel, in ' +
      'any order, retrying any), then `POST /v1/uploads/{uploadId}/complete`. ' +
      '`GET /v1/uploads/{uploadId}/parts` lists what is stored, to resume. Asking ' +
      '`POST /v1/uploads` again with the same hash, type and size returns the same upload and plan.',
    required: ['method', 'partSize', 'partCount', 'expiresAt'],
    additionalProperties: false,
    properties: {
      method: { type: 'string', const: 'MULTIPART' },
      partSize: { type: 'integer', minimum: 5242880 },
      partCount: { type: 'integer', minimum: 1, maximum: 10000 },
      expiresAt: {
        ...dateTime,
        description:
          'The upload can be resumed until then (`MULTIPART_UPLOAD_TTL_SECONDS`); afterwards it is ' +
          'expired and its parts deleted.',
      },
    },
  },
  UploadCreated: {
    type: 'object',
    description: 'A pending upload and where to send its content.',
    required: ['uploadId', 'state', 'key', 'upload'],
    additionalProperties: false,
    properties: {
      uploadId: uuid,
      state: { allOf: [ref('UploadState')], const: 'pending' },
      key: { type: 'string', description: 'The S3 object key the content will have.' },
      upload: {
        oneOf: [ref('PresignedPut'), ref('PresignedPost'), ref('MultipartPlan')],
        description: 'By `method`: one PUT, one form POST, or parts.',
      },
    },
  },
  SignPartsRequest: signPartsRequestSchema(),
  SignedParts: {
    type: 'object',
    required: ['parts'],
    additionalProperties: false,
    properties: {
      parts: {
        type: 'array',
        items: {
          type: 'object',
          description:
            'PUT the part’s bytes to `url` setting exactly `headers`: its length (sent by the ' +
            'client itself, not in `headers`) and SHA-256 are signed, so S3 refuses other bytes ' +
            'or another length.',
          required: ['partNumber', 'method', 'url', 'headers', 'expiresAt'],
          additionalProperties: false,
          properties: {
            partNumber: { type: 'integer', minimum: 1, maximum: 10000 },
            method: { type: 'string', const: 'PUT' },
            url: { type: 'string', format: 'uri' },
            headers: {
              type: 'object',
              required: ['x-amz-checksum-sha256'],
              additionalProperties: false,
              properties: {
                'x-amz-checksum-sha256': {
                  type: 'string',
                  description: 'The part’s SHA-256, base64.',
                  pattern: '^[A-Za-z0-9+/]{43}=$',
                },
              },
            },
            expiresAt: {
              ...dateTime,
              description:
                'This URL stops working then (as long as the part’s size needs, at most the ' +
                'upload’s own expiry); ask again for a fresh one.',
            },
          },
        },
      },
    },
  },
  StoredParts: {
    type: 'object',
    description: 'The parts the store holds, by part number, and the plan.',
    required: ['parts', 'partSize', 'partCount'],
    additionalProperties: false,
    properties: {
      parts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['partNumber', 'size', 'etag'],
          additionalProperties: false,
          properties: {
            partNumber: { type: 'integer', minimum: 1 },
            size: { type: 'integer', minimum: 0 },
            etag: { type: 'string' },
          },
        },
      },
      partSize: { type: 'integer', minimum: 5242880 },
      partCount: { type: 'integer', minimum: 1, maximum: 10000 },
    },
  },
  UploadStateOnly: {
    type: 'object',
    required: ['uploadId', 'state'],
    additionalProperties: false,
    properties: { uploadId: uuid, state: ref('UploadState') },
  },
  CancelledUpload: {
    type: 'object',
    required: ['uploadId', 'state', 'reason'],
    additionalProperties: false,
    properties: {
      uploadId: uuid,
      state: { allOf: [ref('UploadState')], const: 'expired' },
      reason: { type: 'string', const: 'cancelled' },
    },
  },
  UploadDuplicate: {
    type: 'object',
    description: 'This content has already been received and verified: nothing to send.',
    required: ['uploadId', 'state', 'key', 'duplicate'],
    additionalProperties: false,
    properties: {
      uploadId: uuid,
      state: { allOf: [ref('UploadState')], enum: [...CONFIRMED_STATES] },
      key: { type: 'string' },
      duplicate: { type: 'boolean', const: true },
    },
  },
  MintUploadTokenRequest: mintUploadTokenRequestSchema(),
  UploadToken: {
    type: 'object',
    description:
      'A new upload token: hand `token` to the browser page. It is shown only here (only its ' +
      'hash is stored).',
    required: [
      'tokenId',
      'token',
      'expiresAt',
      'siteId',
      'contentTypes',
      'maxSize',
      'maxUploads',
      'origin',
    ],
    additionalProperties: false,
    properties: {
      tokenId: { ...uuid, description: 'Revoke with `DELETE /v1/upload-tokens/{tokenId}`.' },
      token: {
        type: 'string',
        pattern: '^ut_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$',
        description: '`Authorization: Bearer <token>`.',
      },
      expiresAt: dateTime,
      siteId: uuid,
      contentTypes: {
        type: ['array', 'null'],
        items: { type: 'string' },
        description: 'Canonical types; `null`: the whole allow-list.',
      },
      maxSize: {
        type: ['integer', 'null'],
        minimum: 1,
        description: '`null`: the category limits.',
      },
      maxUploads: { type: 'integer', minimum: 1 },
      origin: { ...nullableString, description: '`null`: any of the site’s allowed origins.' },
    },
  },
  PutWebhookRequest: putWebhookRequestSchema(),
  Webhook: {
    type: 'object',
    required: ['url', 'events', 'createdAt', 'updatedAt'],
    additionalProperties: false,
    properties: webhookProperties,
  },
  WebhookWithSecret: {
    type: 'object',
    required: ['url', 'secret', 'events', 'createdAt', 'updatedAt'],
    additionalProperties: false,
    properties: {
      ...webhookProperties,
      secret: {
        type: 'string',
        pattern: '^whsec_[A-Za-z0-9+/=]+$',
        description: 'Verifies the `webhook-signature` header (Standard Webhooks); keep it secret.',
      },
    },
  },
  UploadTransition: {
    type: 'object',
    required: ['from', 'to', 'reason', 'at'],
    additionalProperties: false,
    properties: {
      from: {
        oneOf: [ref('UploadState'), { type: 'null' }],
        description: '`null` for the first entry.',
      },
      to: ref('UploadState'),
      reason: nullableString,
      at: dateTime,
    },
  },
  Upload: {
    type: 'object',
    required: [
      'uploadId',
      'state',
      'reason',
      'key',
      'siteId',
      'fileName',
      'contentType',
      'detectedContentType',
      'size',
      'sha256',
      'createdAt',
      'updatedAt',
      'expiresAt',
      'history',
      'renditions',
    ],
    additionalProperties: false,
    properties: {
      uploadId: uuid,
      state: ref('UploadState'),
      reason: {
        ...nullableString,
        description: 'Why the upload was rejected, quarantined or expired.',
      },
      key: { type: 'string' },
      siteId: uuid,
      fileName: { type: 'string' },
      contentType: { type: 'string', description: 'The declared, canonical media type.' },
      detectedContentType: {
        ...nullableString,
        description: 'The type sniffed from the content, once verified.',
      },
      size: { type: 'integer', minimum: 1 },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      createdAt: dateTime,
      updatedAt: dateTime,
      expiresAt: dateTime,
      history: { type: 'array', items: ref('UploadTransition'), description: 'Oldest first.' },
      renditions: {
        type: 'array',
        items: ref('Rendition'),
        description: 'Processed derivatives (images), once the media worker made them.',
      },
      downloads: {
        ...ref('Downloads'),
        description:
          'Only for `clean` and `ready` uploads: never for pending, rejected or quarantined ones.',
      },
    },
  },
  Rendition: {
    type: 'object',
    required: ['name', 'format', 'width', 'height', 'size'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', description: 'Use as `?rendition=` on `/content`.' },
      format: { type: 'string' },
      width: { type: 'integer', minimum: 1 },
      height: { type: 'integer', minimum: 1 },
      size: { type: 'integer', minimum: 0 },
    },
  },
  Downloads: {
    type: 'object',
    required: ['expiresAt', 'original', 'renditions'],
    additionalProperties: false,
    properties: {
      expiresAt: dateTime,
      original: {
        type: 'object',
        required: ['url'],
        additionalProperties: false,
        properties: {
          url: {
            type: 'string',
            format: 'uri',
            description: 'Signed GET, served as an attachment.',
          },
        },
      },
      renditions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'url'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, url: { type: 'string', format: 'uri' } },
        },
      },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    additionalProperties: false,
    properties: { status: { type: 'string', const: 'ok' } },
  },
  Ready: {
    type: 'object',
    required: ['status', 'checks'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', const: 'ready' },
      checks: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['ok'],
          additionalProperties: false,
          properties: { ok: { type: 'boolean', const: true } },
        },
      },
    },
  },
  NotReady: {
    type: 'object',
    required: ['status', 'checks'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', const: 'unavailable' },
      checks: {
        type: 'object',
        description: 'Every check; at least one has `ok: false`.',
        additionalProperties: {
          oneOf: [
            {
              type: 'object',
              required: ['ok'],
              additionalProperties: false,
              properties: { ok: { type: 'boolean', const: true } },
            },
            {
              type: 'object',
              required: ['ok', 'error'],
              additionalProperties: false,
              properties: { ok: { type: 'boolean', const: false }, error: { type: 'string' } },
            },
          ],
        },
      },
    },
  },
};

const publicOperation = { security: [] } as const;
/** Operations a browser's upload token may call too (on its own uploads only). */
const keyOrToken = { security: [{ bearerAuth: [] }, { uploadToken: [] }] } as const;

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
    '/v1/uploads': {
      post: {
        ...keyOrToken,
        operationId: 'createUpload',
        tags: ['uploads'],
        summary: 'Request a presigned URL (or a form POST, or a plan of parts) for one file',
        description:
          'Returns 201 with a presigned PUT (a form POST with `form: true`; a plan of parts for ' +
          'large files or with `multipart: true`) for new (or still pending) content, or 200 with ' +
          '`duplicate: true` when the same content has already been verified. Dedup is per ' +
          'customer: another customer’s uploads are never named, never block. An existing upload ' +
          'of this SHA-256 is named (201, 200, or 409 `upload_in_progress` with ' +
          '`details.uploadId`) only when the request declares its type and size too; otherwise ' +
          'the answer is 409 `upload_conflict`, naming no upload. With an upload token, dedup ' +
          'and these answers cover only the uploads that token created (a reloaded page gets ' +
          'its own upload back): the token proves it holds the bytes by sending them, into an ' +
          'object of its own. Its limits answer 403 `forbidden` (another site), 415 (a type ' +
          'outside its `contentTypes`: `details.allowed` is the token’s list), 413 (over its ' +
          '`maxSize`: `details.limit`), 403 `token_exhausted` (past its `maxUploads`). For a client: treat 200 ' +
          '`duplicate` as done (nothing to send; `state` is already verified or beyond), and 409 ' +
          '`upload_in_progress` as wait: poll `GET /v1/uploads/{details.uploadId}` after ' +
          '`Retry-After` seconds (or ask again), it is not a failure.',
        requestBody: { required: true, content: json(ref('CreateUploadRequest')) },
        responses: {
          '200': {
            description:
              'The content already exists with this type and size and is verified: nothing to upload.',
            headers: rateLimitHeaders,
            content: json(ref('UploadDuplicate')),
          },
          '201': {
            description:
              'A pending upload: PUT the content to `upload.url` setting `upload.headers` (the ' +
              'client sends `Content-Length` itself); or POST the form, or send the parts.',
            headers: rateLimitHeaders,
            content: json(ref('UploadCreated')),
          },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'token_exhausted',
            'site_not_found',
            'upload_in_progress',
            'upload_conflict',
            'upload_method_conflict',
            'file_too_large',
            'unsupported_type',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/uploads/{uploadId}': {
      get: {
        ...keyOrToken,
        operationId: 'getUpload',
        tags: ['uploads'],
        summary: 'An upload, its state and its history',
        parameters: [uploadIdParameter],
        responses: {
          '200': {
            description: 'The upload.',
            headers: rateLimitHeaders,
            content: json(ref('Upload')),
          },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'upload_not_found',
            'rate_limited',
            'internal_error',
          ),
        },
      },
      delete: {
        ...keyOrToken,
        operationId: 'cancelUpload',
        tags: ['uploads'],
        summary: 'Cancel a pending upload (one request or parts)',
        description:
          'A pending upload becomes `expired` with reason `cancelled` (the `upload.expired` ' +
          'webhook follows); the parts of an upload in parts are deleted from the store. Bytes ' +
          'that still arrive through a URL handed out before are never taken: the verifier moves ' +
          'them to quarantine. An upload that is no longer pending, or whose parts were already ' +
          'completed, is 409.',
        parameters: [uploadIdParameter],
        responses: {
          '200': {
            description: 'Cancelled.',
            headers: rateLimitHeaders,
            content: json(ref('CancelledUpload')),
          },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'upload_not_found',
            'upload_not_pending',
            'upload_in_progress',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/uploads/{uploadId}/parts': {
      post: {
        ...keyOrToken,
        operationId: 'signUploadParts',
        tags: ['uploads'],
        summary: 'Presigned PUT URLs for parts of an upload in parts',
        description:
          'Each URL is a presigned S3 UploadPart signing the part’s `Content-Length` (which the ' +
          'client sends itself) and `x-amz-checksum-sha256` (its one header). A part may be asked for again (a retry, a resume, a URL that ' +
          'expired); the latest bytes stored for a part number win. 409 `upload_not_multipart` ' +
          'for an upload sent in one request, `upload_not_pending` once it left `pending`, ' +
          '`upload_in_progress` once its parts were completed.',
        parameters: [uploadIdParameter],
        requestBody: { required: true, content: json(ref('SignPartsRequest')) },
        responses: {
          '200': {
            description: 'One URL per part asked for, in the order asked.',
            headers: rateLimitHeaders,
            content: json(ref('SignedParts')),
          },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'upload_not_found',
            'upload_not_multipart',
            'upload_not_pending',
            'upload_in_progress',
            'rate_limited',
            'internal_error',
          ),
        },
      },
      get: {
        ...keyOrToken,
        operationId: 'listUploadParts',
        tags: ['uploads'],
        summary: 'The parts the store already holds, to resume without sending them again',
        parameters: [uploadIdParameter],
        responses: {
          '200': {
            description: 'Every stored part (S3 ListParts, all pages), by part number.',
            headers: rateLimitHeaders,
            content: json(ref('StoredParts')),
          },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'upload_not_found',
            'upload_not_multipart',
            'upload_not_pending',
            'upload_in_progress',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/uploads/{uploadId}/complete': {
      post: {
        ...keyOrToken,
        operationId: 'completeUpload',
        tags: ['uploads'],
        summary: 'Put the parts together into the object',
        description:
          'Takes no body. The API lists the stored parts, checks every planned part is there ' +
          'with its planned size and completes the upload; the object’s `ObjectCreated` event ' +
          'then drives verification exactly like a PUT (poll the upload, or wait for the ' +
          'webhook). Asked again after a success, it answers the upload’s state again. ' +
          '409 `parts_missing` (`details.missing`: the part numbers), `parts_mismatch` ' +
          '(`details.parts`: number, expected and stored size), `upload_not_multipart`, ' +
          '`upload_not_pending`.',
        parameters: [uploadIdParameter],
        responses: {
          '200': {
            description: 'Completed (or completed before): the upload’s state now.',
            headers: rateLimitHeaders,
            content: json(ref('UploadStateOnly')),
          },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'upload_not_found',
            'upload_not_multipart',
            'upload_not_pending',
            'parts_missing',
            'parts_mismatch',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/uploads/{uploadId}/content': {
      get: {
        ...keyOrToken,
        operationId: 'getUploadContent',
        tags: ['uploads'],
        summary: 'Redirects to a short-lived signed GET of clean content, or of one rendition',
        parameters: [
          uploadIdParameter,
          {
            name: 'rendition',
            in: 'query',
            required: false,
            description:
              'A rendition name from the upload’s `renditions`; the original when absent.',
            schema: { type: 'string', minLength: 1, maxLength: 64 },
          },
        ],
        responses: {
          '302': {
            description: 'To the signed URL.',
            headers: {
              Location: {
                description: 'The signed GET URL.',
                schema: { type: 'string', format: 'uri' },
              },
            },
          },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'upload_not_found',
            'rendition_not_found',
            'upload_not_servable',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/webhook': {
      put: {
        operationId: 'putWebhook',
        tags: ['webhooks'],
        summary: 'Register (or change) the completion webhook and get its signing secret',
        description:
          'One webhook per customer. Each upload that reaches `ready`, `rejected`, `quarantined` ' +
          'or `expired` is POSTed as JSON `{ type: "upload.<state>", timestamp, data }`, signed ' +
          'per Standard Webhooks: `webhook-id` (stable across retries: use it to dedupe), ' +
          '`webhook-timestamp` (refuse old ones) and `webhook-signature` (`v1,` + base64 ' +
          'HMAC-SHA256 of `id.timestamp.body` under the secret). Any 2xx is a delivery; ' +
          'anything else is retried with backoff. Only 307/308 redirects are followed.',
        requestBody: { required: true, content: json(ref('PutWebhookRequest')) },
        responses: {
          '200': {
            description:
              'The webhook as registered. `secret` is returned only when it was made: when the ' +
              'webhook is created and when `rotateSecret` is true; a PUT that only changes the ' +
              'URL keeps the secret and does not return it.',
            headers: rateLimitHeaders,
            content: json({ oneOf: [ref('WebhookWithSecret'), ref('Webhook')] }),
          },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'rate_limited',
            'internal_error',
          ),
        },
      },
      get: {
        operationId: 'getWebhook',
        tags: ['webhooks'],
        summary: 'The registered completion webhook (without its secret)',
        responses: {
          '200': {
            description: 'The webhook.',
            headers: rateLimitHeaders,
            content: json(ref('Webhook')),
          },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'webhook_not_found',
            'rate_limited',
            'internal_error',
          ),
        },
      },
      delete: {
        operationId: 'deleteWebhook',
        tags: ['webhooks'],
        summary: 'Stop completion webhooks; deliveries not yet made are abandoned',
        responses: {
          '204': { description: 'Removed.' },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'webhook_not_found',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/upload-tokens': {
      post: {
        operationId: 'createUploadToken',
        tags: ['upload tokens'],
        summary: 'Mint a short-lived upload token for a browser page (API key only)',
        description:
          'A customer’s server mints, with its API key, a token for one of its sites and hands it ' +
          'to a page. With `Authorization: Bearer ut_…` the page may only create uploads (for the ' +
          'token’s site, types, size and count), sign and list their parts, complete, cancel and ' +
          'read them: only the uploads that token created. A token’s uploads dedup only among ' +
          'themselves and have their own object keys: a hash never hands a token the customer’s ' +
          'other uploads. Browser requests must come from one of the site’s allowed origins (and ' +
          'the token’s `origin` when set); CORS is answered for those origins only, and never for ' +
          'API-key calls. Expired, revoked, unknown or malformed tokens, and tokens whose API key ' +
          'was revoked, are 401. An upload token cannot mint tokens (403).',
        requestBody: { required: true, content: json(ref('MintUploadTokenRequest')) },
        responses: {
          '201': {
            description: 'The token, shown this once.',
            headers: rateLimitHeaders,
            content: json(ref('UploadToken')),
          },
          ...errorResponses(
            'invalid_request',
            'unauthorized',
            'forbidden',
            'site_not_found',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/v1/upload-tokens/{tokenId}': {
      delete: {
        operationId: 'revokeUploadToken',
        tags: ['upload tokens'],
        summary: 'Revoke an upload token at once (API key only)',
        description:
          'The token is refused (401) from now on, and bytes sent afterwards through URLs it was ' +
          'given are refused by the verifier (`issuer_revoked`). Revoking the API key that minted ' +
          'a token revokes the token too.',
        parameters: [
          {
            name: 'tokenId',
            in: 'path',
            required: true,
            description:
              'Anything that is not the id of one of the customer’s live tokens is 404 ' +
              '`upload_token_not_found`.',
            schema: uuid,
          },
        ],
        responses: {
          '204': { description: 'Revoked.' },
          ...errorResponses(
            'unauthorized',
            'forbidden',
            'upload_token_not_found',
            'rate_limited',
            'internal_error',
          ),
        },
      },
    },
    '/healthz': {
      get: {
        ...publicOperation,
        operationId: 'health',
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        responses: { '200': { description: 'Alive.', content: json(ref('Health')) } },
      },
    },
    '/readyz': {
      get: {
        ...publicOperation,
        operationId: 'ready',
        tags: ['operations'],
        summary: 'Readiness: every dependency answers',
        responses: {
          '200': { description: 'Every check passed.', content: json(ref('Ready')) },
          '503': { description: 'At least one check failed.', content: json(ref('NotReady')) },
        },
      },
    },
    '/openapi.json': {
      get: {
        ...publicOperation,
        operationId: 'openApiDocument',
        tags: ['operations'],
        summary: 'This document',
        responses: {
          '200': {
            description: 'The OpenAPI 3.1 document.',
            content: json({
              type: 'object',
              required: ['openapi', 'info', 'paths'],
              properties: {
                openapi: { type: 'string', const: '3.1.0' },
                info: { type: 'object' },
                paths: { type: 'object' },
              },
            }),
          },
        },
      },
    },
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
        description: 'Remaining quota in the current window (IETF draft 8 `RateLimit`).',
        schema: { type: 'string' },
      },
      RateLimitPolicy: {
        description: 'The quota per API key (IETF draft 8 `RateLimit-Policy`).',
        schema: { type: 'string' },
      },
    },
    schemas,
  },
};
