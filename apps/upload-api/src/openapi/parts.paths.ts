import { signedPartsSchema, storedPartsSchema } from '../http/parts.responses.ts';
import { uploadStateOnlySchema } from '../http/upload.responses.ts';
import { signPartsBody } from '../http/upload.schemas.ts';
import type { OpenApiPaths } from './openapi.types.ts';
import { operation, uploadIdParameter } from './operation.ts';

const notInParts = ['upload_not_found', 'upload_not_multipart', 'upload_not_pending'] as const;

/** An upload in parts: part URLs, the parts stored, completing it. */
export const partsPaths: OpenApiPaths = {
  '/v1/uploads/{uploadId}/parts': {
    post: operation({
      auth: 'keyOrToken',
      operationId: 'signUploadParts',
      tag: 'uploads',
      summary: 'Presigned PUT URLs for parts of an upload in parts',
      description:
        'Each URL is a presigned S3 UploadPart signing the part’s `Content-Length` (which the ' +
        'client sends itself) and `x-amz-checksum-sha256` (its one header). A part may be asked for again (a retry, a resume, a URL that ' +
        'expired); the latest bytes stored for a part number win. 409 `upload_not_multipart` ' +
        'for an upload sent in one request, `upload_not_pending` once it left `pending`, ' +
        '`upload_in_progress` once its parts were completed.',
      parameters: [uploadIdParameter],
      requestBody: signPartsBody,
      answers: {
        200: {
          description: 'One URL per part asked for, in the order asked.',
          body: signedPartsSchema,
        },
      },
      errors: ['invalid_request', ...notInParts, 'upload_in_progress'],
    }),
    get: operation({
      auth: 'keyOrToken',
      operationId: 'listUploadParts',
      tag: 'uploads',
      summary: 'The parts the store already holds, to resume without sending them again',
      parameters: [uploadIdParameter],
      answers: {
        200: {
          description: 'Every stored part (S3 ListParts, all pages), by part number.',
          body: storedPartsSchema,
        },
      },
      errors: [...notInParts, 'upload_in_progress'],
    }),
  },
  '/v1/uploads/{uploadId}/complete': {
    post: operation({
      auth: 'keyOrToken',
      operationId: 'completeUpload',
      tag: 'uploads',
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
      answers: {
        200: {
          description: 'Completed (or completed before): the upload’s state now.',
          body: uploadStateOnlySchema,
        },
      },
      errors: [...notInParts, 'parts_missing', 'parts_mismatch'],
    }),
  },
};
