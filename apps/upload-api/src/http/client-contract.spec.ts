/**
 * `@airlock/client` keeps its own types of the API (it stands alone: no core,
 * no zod). These assignments make `tsc` fail when the client's types and the
 * presenters' (the zod response schemas') drift apart; the expectations check
 * that the values are the ones the client branches on.
 */
import { randomUUID } from 'node:crypto';
import type { CancelledUpload, CreateUploadResponse, PartUrl, Upload } from '@airlock/client';
import { anUpload } from '@airlock/core/testing';
import { presentSignedParts, presentStoredParts } from './parts.responses.ts';
import { presentRequestedUpload } from './requested-upload.responses.ts';
import { presentCancelled, presentUpload } from './upload.responses.ts';

const upload = anUpload({ siteId: randomUUID(), declaredSha256: 'cd'.repeat(32) });
const checksum = Buffer.alloc(32, 1).toString('base64');

describe('the client’s types of the API', () => {
  it('accept what the API answers', () => {
    const created: CreateUploadResponse = presentRequestedUpload({
      outcome: 'multipart',
      upload,
      plan: { partSize: 5 * 1024 * 1024, partCount: 2 },
    }).body;
    const duplicate: CreateUploadResponse = presentRequestedUpload({
      outcome: 'duplicate',
      upload: { ...upload, state: 'clean' },
    }).body;
    expect('upload' in created && created.upload.method).toBe('MULTIPART');
    expect('duplicate' in duplicate && duplicate.duplicate).toBe(true);

    const parts: PartUrl[] = presentSignedParts([
      {
        partNumber: 1,
        method: 'PUT',
        url: 'https://s3.example/part',
        headers: { 'x-amz-checksum-sha256': checksum },
        expiresAt: upload.expiresAt,
      },
    ]).parts;
    expect(parts[0]?.headers).toEqual({ 'x-amz-checksum-sha256': checksum });
    const held: { partNumber: number; size: number; etag?: string }[] = presentStoredParts({
      partSize: 5 * 1024 * 1024,
      partCount: 1,
      parts: [{ partNumber: 1, size: 10, etag: '"e"' }],
    }).parts;
    expect(held).toEqual([{ partNumber: 1, size: 10, etag: '"e"' }]);

    const read: Upload = presentUpload(upload, [], [], undefined);
    expect(read.state).toBe('pending');
    const cancelled: CancelledUpload = presentCancelled({
      ...upload,
      state: 'expired',
      reason: 'cancelled',
    });
    expect(cancelled).toEqual({ uploadId: upload.id, state: 'expired', reason: 'cancelled' });
  });
});
