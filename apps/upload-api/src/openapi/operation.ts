import type { z } from 'zod';
import type { ErrorCode } from '@airlock/core';
import { errorResponses, rateLimitHeaders } from './error-responses.ts';
import type { OpenApiOperation, OpenApiResponse } from './openapi.types.ts';
import { schemaFor } from './schemas.ts';

type Answer = {
  readonly description: string;
  /** The JSON body's schema, one of `./schemas.ts`. */
  readonly body?: z.ZodType;
  readonly headers?: Readonly<Record<string, unknown>>;
};

export type OperationSpec = {
  readonly operationId: string;
  readonly tag: 'uploads' | 'upload tokens' | 'webhooks' | 'operations';
  readonly summary: string;
  readonly description?: string;
  /**
   * `key`: an API key (the document's default). `keyOrToken`: a browser's
   * upload token too, on the uploads it created. `public`: no credentials.
   */
  readonly auth: 'key' | 'keyOrToken' | 'public';
  readonly parameters?: readonly unknown[];
  readonly requestBody?: z.ZodType;
  readonly answers: Readonly<Record<number, Answer>>;
  /** The errors it sends besides those of every `/v1` operation (401, 403, 429, 500). */
  readonly errors?: readonly ErrorCode[];
};

const SECURITY = {
  key: {},
  keyOrToken: { security: [{ bearerAuth: [] }, { uploadToken: [] }] },
  public: { security: [] },
} as const;

const EVERY_V1_OPERATION_ERRORS: readonly ErrorCode[] = [
  'unauthorized',
  'forbidden',
  'rate_limited',
  'internal_error',
];

const json = (body: z.ZodType) => ({ 'application/json': { schema: schemaFor(body) } });

/** An operation of the document: its answers, and for `/v1` its errors and rate-limit headers. */
export function operation(spec: OperationSpec): OpenApiOperation {
  const v1 = spec.auth !== 'public';
  const answer = ({ description, body, headers }: Answer): OpenApiResponse => ({
    description,
    ...(headers ? { headers } : body && v1 ? { headers: rateLimitHeaders } : {}),
    ...(body ? { content: json(body) } : {}),
  });
  return {
    ...SECURITY[spec.auth],
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.parameters ? { parameters: spec.parameters } : {}),
    ...(spec.requestBody
      ? { requestBody: { required: true, content: json(spec.requestBody) } }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(spec.answers).map(([status, given]) => [status, answer(given)]),
      ),
      ...(v1 ? errorResponses([...EVERY_V1_OPERATION_ERRORS, ...(spec.errors ?? [])]) : {}),
    },
  };
}

export const uploadIdParameter = {
  name: 'uploadId',
  in: 'path',
  required: true,
  description: 'Anything that is not the UUID of one of the caller’s uploads is 404.',
  schema: { type: 'string', format: 'uuid' },
};
