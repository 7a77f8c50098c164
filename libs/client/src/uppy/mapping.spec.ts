import { AirlockApiError, AirlockStorageError } from '../errors.ts';
import {
  AirlockUppyError,
  formatBytes,
  isTerminal,
  progressStep,
  refusalOf,
  restrictionsFromGrant,
  stateMessage,
  uppyErrorOf,
} from './mapping.ts';

const progress = (phase: string, fields: Partial<Record<string, number>> = {}) => ({
  phase,
  bytesHashed: 0,
  bytesConfirmed: 0,
  totalBytes: 1000,
  ...fields,
});

describe('progressStep', () => {
  it('maps hashing to a determinate preprocessing fraction', () => {
    expect(progressStep(progress('hashing', { bytesHashed: 250 }))).toEqual({
      kind: 'hashing',
      value: 0.25,
    });
    expect(progressStep({ ...progress('hashing'), totalBytes: 0 })).toEqual({
      kind: 'hashing',
      value: 1,
    });
  });

  it('maps sending to bytes confirmed, or bytes sent when the client reports them', () => {
    expect(progressStep(progress('uploading', { bytesConfirmed: 400 }))).toEqual({
      kind: 'sending',
      bytesUploaded: 400,
      bytesTotal: 1000,
    });
    expect(progressStep(progress('uploading', { bytesConfirmed: 400, bytesSent: 640 }))).toEqual({
      kind: 'sending',
      bytesUploaded: 640,
      bytesTotal: 1000,
    });
    expect(progressStep(progress('completing', { bytesConfirmed: 1000 })).kind).toBe('sending');
  });

  it('reports everything sent once done (a duplicate sends nothing) and never above the total', () => {
    expect(progressStep(progress('done'))).toEqual({
      kind: 'sending',
      bytesUploaded: 1000,
      bytesTotal: 1000,
    });
    expect(progressStep(progress('uploading', { bytesSent: 5000 }))).toMatchObject({
      bytesUploaded: 1000,
    });
  });
});

describe('states', () => {
  it('only ready, rejected, quarantined and expired are terminal', () => {
    expect(['ready', 'rejected', 'quarantined', 'expired'].every(isTerminal)).toBe(true);
    expect(['pending', 'uploaded', 'verified', 'clean'].some(isTerminal)).toBe(false);
  });

  it('names what the workers are doing', () => {
    expect(stateMessage('uploaded')).toBe('Verifying');
    expect(stateMessage('verified')).toBe('Scanning for malware');
    expect(stateMessage('clean')).toBe('Making previews');
    expect(stateMessage('pending')).toBe('Storing');
  });

  it('ready is no refusal; quarantined, rejected and expired are errors carrying their reason', () => {
    expect(refusalOf({ uploadId: 'u', state: 'ready', reason: null })).toBeUndefined();
    const quarantined = refusalOf({
      uploadId: 'u1',
      state: 'quarantined',
      reason: 'Win.Test.EICAR_HDB-1',
    })!;
    expect(quarantined).toBeInstanceOf(AirlockUppyError);
    expect(quarantined.message).toBe(
      'Malware found (Win.Test.EICAR_HDB-1): the file was quarantined',
    );
    expect(quarantined).toMatchObject({
      code: 'quarantined',
      state: 'quarantined',
      uploadId: 'u1',
      reason: 'Win.Test.EICAR_HDB-1',
    });
    expect(refusalOf({ uploadId: 'u', state: 'rejected', reason: 'type_mismatch' })!.message).toBe(
      'The file was rejected: type mismatch',
    );
    expect(refusalOf({ uploadId: 'u', state: 'expired', reason: 'cancelled' })!.message).toBe(
      'The upload was cancelled',
    );
    expect(refusalOf({ uploadId: 'u', state: 'expired', reason: null })!.message).toMatch(
      /expired/,
    );
  });
});

describe('uppyErrorOf', () => {
  it('words the API refusals for Uppy, keeping status and code', () => {
    const tooLarge = uppyErrorOf(
      new AirlockApiError(413, 'file_too_large', '…', { limit: 1024 * 1024, category: 'document' }),
      'u2',
    );
    expect(tooLarge.message).toBe('This file is larger than 1 MiB');
    expect(tooLarge).toMatchObject({ status: 413, code: 'file_too_large', uploadId: 'u2' });
    const wrongType = uppyErrorOf(
      new AirlockApiError(415, 'unsupported_type', '…', {
        allowed: ['image/png', 'application/pdf'],
      }),
    );
    expect(wrongType.message).toBe(
      'This type of file is not accepted (accepted: image/png, application/pdf)',
    );
    expect(wrongType.status).toBe(415);
    expect(uppyErrorOf(new AirlockApiError(401, 'unauthorized', 'x')).message).toMatch(/reload/);
    expect(uppyErrorOf(new AirlockApiError(403, 'token_exhausted', 'x')).message).toMatch(
      /No more uploads/,
    );
    expect(uppyErrorOf(new AirlockApiError(400, 'invalid_request', 'bad name')).message).toBe(
      '400 invalid_request: bad name',
    );
  });

  it('keeps errors already mapped, wraps store refusals and anything else', () => {
    const mapped = new AirlockUppyError('x', { code: 'quarantined' });
    expect(uppyErrorOf(mapped)).toBe(mapped);
    const storage = uppyErrorOf(new AirlockStorageError('part 2: 403', 403, 2), 'u3');
    expect(storage).toMatchObject({ code: 'storage_error', status: 403, uploadId: 'u3' });
    expect(uppyErrorOf(new TypeError('Failed to fetch')).message).toBe('Failed to fetch');
    expect(uppyErrorOf('boom').code).toBe('upload_failed');
  });
});

describe('restrictionsFromGrant', () => {
  it("turns a token's limits into Uppy restrictions", () => {
    expect(
      restrictionsFromGrant({
        contentTypes: ['image/png', 'text/plain'],
        maxSize: 2048,
        maxUploads: 5,
      }),
    ).toEqual({ maxFileSize: 2048, allowedFileTypes: ['image/png', 'text/plain'] });
    expect(restrictionsFromGrant({ contentTypes: null, maxSize: null })).toEqual({
      maxFileSize: null,
      allowedFileTypes: null,
    });
  });
});

describe('formatBytes', () => {
  it('prints binary units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});
