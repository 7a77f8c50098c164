import { z } from 'zod';
import {
  CONFIRMED_STATES,
  MAX_PART_COUNT,
  MIN_PART_SIZE,
  type RequestUploadResult,
} from '@airlock/core';
import { base64Sha256, conforming, timestamp, uuid } from './response.primitives.ts';
import { uploadStateSchema } from './upload.responses.ts';

export const presignedPutSchema = z
  .strictObject({
    method: z.literal('PUT'),
    url: z.url(),
    headers: z.strictObject({
      'Content-Type': z.string().describe('The canonical media type.'),
      'x-amz-checksum-sha256': base64Sha256.describe('The SHA-256, base64.'),
    }),
    expiresAt: timestamp.describe('The URL stops working at this time.'),
  })
  .describe(
    'Send the file with this method to this URL, setting exactly `headers` (every one is ' +
      'signed, and a browser may set each). The URL also signs `Content-Length`, the declared ' +
      '`size`: it is not in `headers` because every HTTP client sends it itself for a body of ' +
      'known length (a browser refuses to be told to), and S3 refuses a body of another ' +
      'length, type or content.',
  );

export const presignedPostSchema = z
  .strictObject({
    method: z.literal('POST'),
    url: z.url().describe('The form’s action.'),
    fields: z
      .object({
        key: z.string(),
        'Content-Type': z.string(),
        'x-amz-checksum-sha256': base64Sha256,
        Policy: z.string(),
      })
      .catchall(z.string())
      .describe('Every field is a condition of the signed policy; send each one as is.'),
    expiresAt: timestamp.describe('The policy stops working at this time.'),
  })
  .describe(
    'An HTML form POST (S3 POST Object): send `fields` as form fields, then the file as the ' +
      'last field, named `file`. The policy pins bucket, key, `Content-Type`, the exact length ' +
      '(`content-length-range`) and `x-amz-checksum-sha256`: S3 refuses (403) anything else. ' +
      'A success is 204.',
  );

export const plannedPartSize = z.int().min(MIN_PART_SIZE);
export const plannedPartCount = z.int().min(1).max(MAX_PART_COUNT);

export const multipartPlanSchema = z
  .strictObject({
    method: z.literal('MULTIPART'),
    partSize: plannedPartSize,
    partCount: plannedPartCount,
    expiresAt: timestamp.describe(
      'The upload can be resumed until then (`MULTIPART_UPLOAD_TTL_SECONDS`); afterwards it is ' +
        'expired and its parts deleted.',
    ),
  })
  .describe(
    'Send the file in parts: every part is `partSize` bytes except the last ' +
      '(`size − partSize × (partCount − 1)`). Ask `POST /v1/uploads/{uploadId}/parts` for the ' +
      'part URLs (up to 100 a call, as many times as needed), PUT the parts (in parallel, in ' +
      'any order, retrying any), then `POST /v1/uploads/{uploadId}/complete`. ' +
      '`GET /v1/uploads/{uploadId}/parts` lists what is stored, to resume. Asking ' +
      '`POST /v1/uploads` again with the same hash, type and size returns the same upload and plan.',
  );

export const uploadCreatedSchema = z
  .strictObject({
    uploadId: uuid,
    state: z.literal('pending'),
    key: z.string().describe('The S3 object key the content will have.'),
    upload: z
      .discriminatedUnion('method', [presignedPutSchema, presignedPostSchema, multipartPlanSchema])
      .describe('By `method`: one PUT, one form POST, or parts.'),
  })
  .describe('A pending upload and where to send its content.');

export const uploadDuplicateSchema = z
  .strictObject({
    uploadId: uuid,
    state: uploadStateSchema.extract(CONFIRMED_STATES),
    key: z.string(),
    duplicate: z.literal(true),
  })
  .describe('This content has already been received and verified: nothing to send.');

type UploadCreated = z.infer<typeof uploadCreatedSchema>;
type UploadDuplicate = z.infer<typeof uploadDuplicateSchema>;

/** `POST /v1/uploads`: 200 with a duplicate, 201 with where to send the content. */
export function presentRequestedUpload(
  result: RequestUploadResult,
): { status: 200; body: UploadDuplicate } | { status: 201; body: UploadCreated } {
  const { upload } = result;
  if (result.outcome === 'duplicate') {
    return {
      status: 200,
      body: conforming(uploadDuplicateSchema, {
        uploadId: upload.id,
        state: upload.state,
        key: upload.key,
        duplicate: true,
      }),
    };
  }
  const expiresAt = upload.expiresAt.toISOString();
  return {
    status: 201,
    body: conforming(uploadCreatedSchema, {
      uploadId: upload.id,
      state: upload.state,
      key: upload.key,
      upload:
        result.outcome === 'multipart'
          ? { method: 'MULTIPART', ...result.plan, expiresAt }
          : { ...result.presigned, expiresAt },
    }),
  };
}
