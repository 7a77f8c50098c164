/**
 * The document's schemas, generated from the zod schemas the API parses
 * requests with and types its responses by (`../http/*.schemas.ts`,
 * `../http/*.responses.ts`): each has a name here, and one reused inside
 * another becomes a `$ref` to it.
 */
import { z } from 'zod';
import {
  errorBodySchema,
  errorCodeSchema,
  validationDetailsSchema,
} from '../http/error.responses.ts';
import { healthSchema, notReadySchema, readySchema } from '../http/health.responses.ts';
import { signedPartsSchema, storedPartsSchema } from '../http/parts.responses.ts';
import {
  multipartPlanSchema,
  presignedPostSchema,
  presignedPutSchema,
  uploadCreatedSchema,
  uploadDuplicateSchema,
} from '../http/requested-upload.responses.ts';
import { uploadTokenSchema } from '../http/upload-token.responses.ts';
import { mintUploadTokenBody } from '../http/upload-token.schemas.ts';
import {
  cancelledUploadSchema,
  downloadsSchema,
  renditionSchema,
  uploadSchema,
  uploadStateOnlySchema,
  uploadStateSchema,
  uploadTransitionSchema,
} from '../http/upload.responses.ts';
import { createUploadBody, signPartsBody } from '../http/upload.schemas.ts';
import {
  putWebhookResponseSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from '../http/webhook.responses.ts';
import { putWebhookBody } from '../http/webhook.schemas.ts';
import type { JsonSchema } from './openapi.types.ts';

/** What `GET /openapi.json` answers, as far as a client may rely on. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({}),
  paths: z.looseObject({}),
});

/** Named in `components.schemas`, in this order. */
const COMPONENTS: Readonly<Record<string, z.ZodType>> = {
  UploadState: uploadStateSchema,
  ErrorCode: errorCodeSchema,
  Error: errorBodySchema,
  ValidationDetails: validationDetailsSchema,
  CreateUploadRequest: createUploadBody,
  PresignedPut: presignedPutSchema,
  PresignedPost: presignedPostSchema,
  MultipartPlan: multipartPlanSchema,
  UploadCreated: uploadCreatedSchema,
  SignPartsRequest: signPartsBody,
  SignedParts: signedPartsSchema,
  StoredParts: storedPartsSchema,
  UploadStateOnly: uploadStateOnlySchema,
  CancelledUpload: cancelledUploadSchema,
  UploadDuplicate: uploadDuplicateSchema,
  MintUploadTokenRequest: mintUploadTokenBody,
  UploadToken: uploadTokenSchema,
  PutWebhookRequest: putWebhookBody,
  Webhook: webhookSchema,
  WebhookWithSecret: webhookWithSecretSchema,
  UploadTransition: uploadTransitionSchema,
  Upload: uploadSchema,
  Rendition: renditionSchema,
  Downloads: downloadsSchema,
  Health: healthSchema,
  Ready: readySchema,
  NotReady: notReadySchema,
};

/** Bodies written out where they are used, not named (still `$ref`-ing the named ones). */
const INLINE: Readonly<Record<string, z.ZodType>> = {
  PutWebhookResponse: putWebhookResponseSchema,
  OpenApiDocument: openApiDocumentSchema,
};

const registry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({ ...COMPONENTS, ...INLINE })) {
  registry.add(schema, { id });
}

const generated = z.toJSONSchema(registry, {
  target: 'draft-2020-12',
  uri: (id) => `#/components/schemas/${id}`,
}).schemas;

/** Without the keywords that make each a document of its own: the document's dialect applies. */
function jsonSchemaOf(id: string): JsonSchema {
  const { $schema: _dialect, $id: _uri, ...schema } = generated[id] ?? {};
  return schema;
}

export const componentSchemas: Record<string, JsonSchema> = Object.fromEntries(
  Object.keys(COMPONENTS).map((id) => [id, jsonSchemaOf(id)]),
);

/** A reference to the named schema, or the unnamed one written out. */
export function schemaFor(schema: z.ZodType): JsonSchema {
  const id = registry.get(schema)?.id;
  if (id === undefined) throw new Error('This zod schema is not one of the document’s schemas');
  return id in INLINE ? jsonSchemaOf(id) : { $ref: `#/components/schemas/${id}` };
}
