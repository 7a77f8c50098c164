import { GetObjectCommand } from '@aws-sdk/client-s3';
import { PgUploadScans } from '@airlock/postgres';
import { S3ObjectStore } from '@airlock/s3';
import {
  airlockBadgePng,
  airlockJson,
  clamavFixture,
  EICAR,
  fileOf,
  refusalOf,
  StackClients,
  until,
  waitForState,
  type Tenant,
  type TestFile,
} from '@airlock/testing';

// Through the stack's own processes: API → S3 → verifier → scanner (clamd).
const stack = new StackClients();
const scans = new PgUploadScans({ pool: stack.pool });
const objects = new S3ObjectStore({ s3: stack.s3 });
const uploadsBucket = stack.config.uploads.bucket;
const quarantineBucket = process.env.QUARANTINE_BUCKET!;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

const upload = (file: TestFile, contentType: string) =>
  stack.uploadThroughApi(tenant, file, contentType);
const existsIn = (bucket: string, key: string) => stack.objectExists(bucket, key);

/** A PDF that is a PDF to the verifier and clean to clamd: unique bytes per call. */
const cleanPdf = () =>
  fileOf(
    Buffer.from(
      `%PDF-1.7\n% airlock test ${Date.now()} ${Math.random()}\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n`,
    ),
  );

describe('the scanner behind the verifier', () => {
  it('quarantines the EICAR test file with its signature, out of uploads and into quarantine', async () => {
    const file = fileOf(`${EICAR}\n`);
    const { uploadId, key } = await upload(file, 'text/plain');
    const { upload: quarantined, history } = await waitForState(stack.uploads, uploadId, [
      'quarantined',
      'clean',
      'ready',
    ]);
    expect(quarantined.state).toBe('quarantined');
    expect(quarantined.reason).toMatch(/EICAR/i);
    expect(history.map((h) => h.toState)).toEqual([
      'pending',
      'uploaded',
      'verified',
      'quarantined',
    ]);
    expect(await existsIn(uploadsBucket, key)).toBe(false);
    const held = await stack.s3.send(
      new GetObjectCommand({ Bucket: quarantineBucket, Key: `${uploadId}/${key}` }),
    );
    expect(held.Metadata).toMatchObject({
      'airlock-upload-id': uploadId,
      'airlock-reason': quarantined.reason,
    });
    const [scan] = await scans.forUpload(uploadId);
    expect(scan).toMatchObject({
      trigger: 'upload',
      result: 'infected',
      engine: expect.stringMatching(/ClamAV/),
    });

    // Dedup never points at quarantined content: the same bytes start over.
    const again = await stack.createUpload(tenant, file, 'text/plain');
    expect(again.uploadId).not.toBe(uploadId);
  });

  it('quarantines a password-protected PDF clamd cannot read, naming the encryption, never ready', async () => {
    // RC4, user password: the test marker inside is ciphertext (libs/testing/fixtures/clamav).
    const encrypted = clamavFixture('marker-rc4-encrypted.pdf');
    const { uploadId, key } = await upload(fileOf(encrypted), 'application/pdf');
    const { upload: done, history } = await waitForState(stack.uploads, uploadId, [
      'quarantined',
      'clean',
      'ready',
      'rejected',
    ]);
    expect(done.state).toBe('quarantined');
    expect(done.reason).toBe('encrypted_content: Heuristics.Encrypted.PDF');
    expect(history.map((h) => h.toState)).toEqual([
      'pending',
      'uploaded',
      'verified',
      'quarantined',
    ]);
    expect(await scans.forUpload(uploadId)).toEqual([
      expect.objectContaining({ result: 'encrypted', signature: 'Heuristics.Encrypted.PDF' }),
    ]);
    expect(await existsIn(uploadsBucket, key)).toBe(false);
    expect(await existsIn(quarantineBucket, `${uploadId}/${key}`)).toBe(true);
  });

  it('takes a clean PDF to clean, then ready, with the verdict stored (not tagged: one S3 request less)', async () => {
    const file = cleanPdf();
    const { uploadId, key } = await upload(file, 'application/pdf');
    const { upload: ready, history } = await waitForState(stack.uploads, uploadId, [
      'ready',
      'quarantined',
    ]);
    expect(ready.state).toBe('ready');
    expect(history.map((h) => h.toState)).toEqual([
      'pending',
      'uploaded',
      'verified',
      'clean',
      'ready',
    ]);
    expect(await scans.forUpload(uploadId)).toEqual([
      expect.objectContaining({
        result: 'clean',
        engine: expect.stringMatching(/ClamAV/),
        signatures: expect.any(String),
      }),
    ]);
    expect(await objects.tags({ bucket: uploadsBucket, key })).toEqual({});
  });

  it('takes a clean PNG to clean and hands it to the media worker, which makes it ready', async () => {
    const file = fileOf(airlockBadgePng());
    const { uploadId } = await upload(file, 'image/png');
    const { upload: ready, history } = await waitForState(stack.uploads, uploadId, [
      'ready',
      'rejected',
      'quarantined',
    ]);
    expect(history.map((h) => [h.toState, h.actor])).toEqual([
      ['pending', expect.stringMatching(/^api-key:/)],
      ['uploaded', 'verifier'],
      ['verified', 'verifier'],
      ['clean', 'scanner'],
      ['ready', 'media'],
    ]);
    expect(ready.mediaRequestedAt).not.toBeNull();
  });

  it('an upload-api capped at what clamd scans whole refuses bigger files up front', async () => {
    const limit = Number(process.env.SCAN_MAX_BYTES);
    expect(limit).toBeGreaterThan(0);
    const response = await stack.requestUpload(
      tenant,
      { size: limit + 1, sha256: 'a'.repeat(64) },
      'application/pdf',
    );
    expect(refusalOf(response, 413).details.limit).toBe(limit);
  });

  it('airlock rescan queues the clean uploads again and the scanner records a rescan', async () => {
    const since = new Date();
    const owner = await stack.tenant();
    const file = cleanPdf();
    const { uploadId } = await stack.uploadThroughApi(owner, file, 'application/pdf');
    await waitForState(stack.uploads, uploadId, ['ready']);

    const rescan = await airlockJson(
      'rescan',
      '--since',
      since.toISOString(),
      '--customer',
      owner.customerId,
    );
    expect(rescan).toMatchObject({ queued: 1, customer: owner.customerId });
    const rescanned = await until('the rescan', async () =>
      (await scans.forUpload(uploadId)).find((scan) => scan.trigger === 'rescan'),
    );
    expect(rescanned.result).toBe('clean');
    expect((await stack.uploads.find(uploadId))!.state).toBe('ready');
  });
});
