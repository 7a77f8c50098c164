import { randomUUID } from 'node:crypto';
import { AppError, Errors, WEBHOOK_EVENT_TYPES, type RequestUploadResult } from '@airlock/core';
import { anUpload } from '@airlock/core/testing';
import { errorBodySchema, presentError } from './error.responses.ts';
import { notReadySchema, presentReadiness, readySchema } from './health.responses.ts';
import {
  presentSignedParts,
  presentStoredParts,
  signedPartsSchema,
  storedPartsSchema,
} from './parts.responses.ts';
import {
  presentRequestedUpload,
  uploadCreatedSchema,
  uploadDuplicateSchema,
} from './requested-upload.responses.ts';
import { presentUploadToken, uploadTokenSchema } from './upload-token.responses.ts';
import {
  cancelledUploadSchema,
  presentCancelled,
  presentUpload,
  presentUploadState,
  uploadSchema,
  uploadStateOnlySchema,
} from './upload.responses.ts';
import { presentWebhook, webhookSchema, webhookWithSecretSchema } from './webhook.responses.ts';

// The presenters' types are their schemas' (z.infer); these check the values too.
const upload = anUpload({ siteId: randomUUID(), declaredSha256: 'ab'.repeat(32) });
const checksum = Buffer.alloc(32, 7).toString('base64');
const expiresAt = new Date('2026-01-01T01:00:00Z');

describe('the response presenters', () => {
  it('present an upload as its schema says, downloads only when given', () => {
    const history = [
      { fromState: null, toState: 'pending' as const, reason: null, actor: 'api', at: expiresAt },
    ];
    const rendition = { name: 'thumb', format: 'webp', width: 8, height: 8, size: 90 };
    const bare = presentUpload(
      upload,
      history,
      [{ ...rendition, bucket: 'b', key: 'k' }],
      undefined,
    );
    expect(uploadSchema.parse(bare)).toEqual(bare);
    expect(bare).not.toHaveProperty('downloads');
    expect(bare.renditions).toEqual([rendition]);
    const links = {
      expiresAt: expiresAt.toISOString(),
      original: { url: 'https://cdn.example/original' },
      renditions: [{ name: 'thumb', url: 'https://cdn.example/thumb' }],
    };
    expect(uploadSchema.parse(presentUpload(upload, [], [], links)).downloads).toEqual(links);
  });

  it('present a requested upload: 201 with where to send it, 200 for a duplicate', () => {
    const answers: RequestUploadResult[] = [
      {
        outcome: 'upload',
        upload,
        presigned: {
          method: 'PUT',
          url: 'https://s3.example/put',
          headers: { 'Content-Type': 'image/png', 'x-amz-checksum-sha256': checksum },
        },
      },
      {
        outcome: 'form',
        upload,
        presigned: {
          method: 'POST',
          url: 'https://s3.example/',
          fields: {
            key: upload.key,
            'Content-Type': 'image/png',
            'x-amz-checksum-sha256': checksum,
            Policy: 'p',
            'X-Amz-Signature': 's',
          },
        },
      },
      { outcome: 'multipart', upload, plan: { partSize: 5 * 1024 * 1024, partCount: 3 } },
    ];
    for (const result of answers) {
      const { status, body } = presentRequestedUpload(result);
      expect(status).toBe(201);
      expect(uploadCreatedSchema.parse(body)).toEqual(body);
    }
    const duplicate = presentRequestedUpload({
      outcome: 'duplicate',
      upload: { ...upload, state: 'ready' },
    });
    expect(duplicate).toEqual({
      status: 200,
      body: { uploadId: upload.id, state: 'ready', key: upload.key, duplicate: true },
    });
    expect(uploadDuplicateSchema.parse(duplicate.body)).toEqual(duplicate.body);
  });

  it('refuse to answer what contradicts the document (a 500, not a wrong body)', () => {
    const presigned = { method: 'PUT' as const, url: 'https://s3.example/put', headers: {} };
    expect(() => presentRequestedUpload({ outcome: 'upload', upload, presigned })).toThrow(
      /x-amz-checksum-sha256/,
    );
    expect(() =>
      presentRequestedUpload({ outcome: 'duplicate', upload: { ...upload, state: 'pending' } }),
    ).toThrow(/state/);
    expect(() => presentCancelled({ ...upload, state: 'ready' })).toThrow(/state/);
  });

  it('present the parts, a state, a cancel', () => {
    const signed = presentSignedParts([
      {
        partNumber: 1,
        method: 'PUT',
        url: 'https://s3.example/part',
        headers: { 'x-amz-checksum-sha256': checksum },
        expiresAt,
      },
    ]);
    expect(signedPartsSchema.parse(signed)).toEqual(signed);
    const stored = presentStoredParts({
      partSize: 5 * 1024 * 1024,
      partCount: 2,
      parts: [{ partNumber: 1, size: 5 * 1024 * 1024, etag: '"e"', checksumSha256: checksum }],
    });
    expect(storedPartsSchema.parse(stored)).toEqual(stored);
    expect(stored.parts[0]).not.toHaveProperty('checksumSha256');
    const state = presentUploadState(upload);
    expect(uploadStateOnlySchema.parse(state)).toEqual(state);
    const cancelled = presentCancelled({ ...upload, state: 'expired', reason: 'cancelled' });
    expect(cancelledUploadSchema.parse(cancelled)).toEqual(cancelled);
  });

  it('show a webhook’s secret only when asked', () => {
    const endpoint = {
      url: 'https://hooks.example/x',
      secret: 'whsec_c2VjcmV0',
      createdAt: expiresAt,
      updatedAt: expiresAt,
    };
    const withSecret = presentWebhook(endpoint, true);
    expect(webhookWithSecretSchema.parse(withSecret)).toEqual(withSecret);
    const without = presentWebhook(endpoint, false);
    expect(webhookSchema.parse(without)).toEqual(without);
    expect(without).not.toHaveProperty('secret');
    expect(without.events).toEqual([...WEBHOOK_EVENT_TYPES]);
  });

  it('present a minted token', () => {
    const token = presentUploadToken({
      id: randomUUID(),
      token: `ut_${'a'.repeat(12)}_${'B'.repeat(32)}`,
      expiresAt,
      siteId: randomUUID(),
      contentTypes: ['image/png'],
      maxSize: null,
      maxUploads: 5,
      origin: null,
    });
    expect(uploadTokenSchema.parse(token)).toEqual(token);
  });

  it('present readiness: 200 when every check passed, 503 naming each', () => {
    const ready = presentReadiness({
      ready: true,
      body: { status: 'ready', checks: { db: { ok: true } } },
    });
    expect(ready.status).toBe(200);
    expect(readySchema.parse(ready.body)).toEqual(ready.body);
    const failed = {
      status: 'unavailable' as const,
      checks: { db: { ok: true }, s3: { ok: false, error: 'unreachable' } },
    };
    const notReady = presentReadiness({ ready: false, body: failed });
    expect(notReady).toEqual({ status: 503, body: failed });
    expect(notReadySchema.parse(notReady.body)).toEqual(failed);
  });

  it('present every error in the one envelope', () => {
    for (const error of [
      Errors.uploadNotFound('x'),
      Errors.invalidRequest('bad', { issues: [{ path: 'body', message: 'bad' }] }),
      new AppError('internal_error', 'oops'),
    ]) {
      const body = presentError(error);
      expect(errorBodySchema.parse(body)).toEqual(body);
    }
    expect(presentError(Errors.uploadNotFound('x')).error).not.toHaveProperty('details');
  });
});
