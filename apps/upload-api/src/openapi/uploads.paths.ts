import { uploadCreatedSchema, uploadDuplicateSchema } from '../http/requested-upload.responses.ts';
import { cancelledUploadSchema, uploadSchema } from '../http/upload.responses.ts';
import { createUploadBody } from '../http/upload.schemas.ts';
import type { OpenApiPaths } from './openapi.types.ts';
import { operation, uploadIdParameter } from './operation.ts';

/** Requesting an upload, reading it, cancelling it, and its content. */
export const uploadsPaths: OpenApiPaths = {
  '/v1/uploads': {
    post: operation({
      auth: 'keyOrToken',
      operationId: 'createUpload',
      tag: 'uploads',
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
      requestBody: createUploadBody,
      answers: {
        200: {
          description:
            'The content already exists with this type and size and is verified: nothing to upload.',
          body: uploadDuplicateSchema,
        },
        201: {
          description:
            'A pending upload: PUT the content to `upload.url` setting `upload.headers` (the ' +
            'client sends `Content-Length` itself); or POST the form, or send the parts.',
          body: uploadCreatedSchema,
        },
      },
      errors: [
        'invalid_request',
        'token_exhausted',
        'site_not_found',
        'upload_in_progress',
        'upload_conflict',
        'upload_method_conflict',
        'file_too_large',
        'unsupported_type',
      ],
    }),
  },
  '/v1/uploads/{uploadId}': {
    get: operation({
      auth: 'keyOrToken',
      operationId: 'getUpload',
      tag: 'uploads',
      summary: 'An upload, its state and its history',
      parameters: [uploadIdParameter],
      answers: { 200: { description: 'The upload.', body: uploadSchema } },
      errors: ['upload_not_found'],
    }),
    delete: operation({
      auth: 'keyOrToken',
      operationId: 'cancelUpload',
      tag: 'uploads',
      summary: 'Cancel a pending upload (one request or parts)',
      description:
        'A pending upload becomes `expired` with reason `cancelled` (the `upload.expired` ' +
        'webhook follows); the parts of an upload in parts are deleted from the store. Bytes ' +
        'that still arrive through a URL handed out before are never taken: the verifier moves ' +
        'them to quarantine. An upload that is no longer pending, or whose parts were already ' +
        'completed, is 409.',
      parameters: [uploadIdParameter],
      answers: { 200: { description: 'Cancelled.', body: cancelledUploadSchema } },
      errors: ['upload_not_found', 'upload_not_pending', 'upload_in_progress'],
    }),
  },
  '/v1/uploads/{uploadId}/content': {
    get: operation({
      auth: 'keyOrToken',
      operationId: 'getUploadContent',
      tag: 'uploads',
      summary: 'Redirects to a short-lived signed GET of clean content, or of one rendition',
      parameters: [
        uploadIdParameter,
        {
          name: 'rendition',
          in: 'query',
          required: false,
          description: 'A rendition name from the upload’s `renditions`; the original when absent.',
          schema: { type: 'string', minLength: 1, maxLength: 64 },
        },
      ],
      answers: {
        302: {
          description: 'To the signed URL.',
          headers: {
            Location: {
              description: 'The signed GET URL.',
              schema: { type: 'string', format: 'uri' },
            },
          },
        },
      },
      errors: ['invalid_request', 'upload_not_found', 'rendition_not_found', 'upload_not_servable'],
    }),
  },
};
