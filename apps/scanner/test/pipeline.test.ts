import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { PgUploadScans } from '@airlock/postgres';
import { S3ObjectStore } from '@airlock/s3';
import {
  EICAR,
  fileOf,
  putPresigned,
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
const badge = fileURLToPath(new URL('../../ops/assets/airlock-badge.png', import.meta.url));
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

async function upload(file: TestFile, contentType: string) {
  const created = await stack.requestUpload(tenant, file, contentType);
  expect(created.status).toBe(201);
  expect(await putPresigned(created.body.upload, file.bytes)).toBe(200);
  return created.body as { uploadId: string; key: string };
}

const existsIn = (bucket: string, key: string) =>
  stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );

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
    const again = await stack.requestUpload(tenant, file, 'text/plain');
    expect(again.status).toBe(201);
    expect(again.body.uploadId).not.toBe(uploadId);
  });

  it('quarantines a password-protected PDF clamd cannot read, naming the encryption, never ready', async () => {
    // RC4, user password: the test marker inside is ciphertext (libs/clamav/test/fixtures).
    const encrypted = await readFile(
      new URL('../../../libs/clamav/test/fixtures/marker-rc4-encrypted.pdf', import.meta.url),
    );
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

  it('takes a clean PDF to clean, then ready, with the verdict stored and tagged', async () => {
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
    expect(await objects.tags({ bucket: uploadsBucket, key })).toMatchObject({
      'airlock-scan': 'clean',
    });
  });

  it('takes a clean PNG to clean and hands it to the media worker, which makes it ready', async () => {
    const file = fileOf(await readFile(badge));
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
    expect(response.status).toBe(413);
    expect(response.body.error.details.limit).toBe(limit);
  });

  it('airlock rescan queues the clean uploads again and the scanner records a rescan', async () => {
    const since = new Date();
    const owner = await stack.tenant();
    const file = cleanPdf();
    const created = await stack.requestUpload(owner, file, 'application/pdf');
    expect(await putPresigned(created.body.upload, file.bytes)).toBe(200);
    await waitForState(stack.uploads, created.body.uploadId, ['ready']);

    const cli = fileURLToPath(new URL('../../ops/src/cli.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'rescan',
      '--since',
      since.toISOString(),
      '--customer',
      owner.customerId,
      '--json',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ queued: 1, customer: owner.customerId });
    const rescanned = await until('the rescan', async () =>
      (await scans.forUpload(created.body.uploadId)).find((scan) => scan.trigger === 'rescan'),
    );
    expect(rescanned.result).toBe('clean');
    expect((await stack.uploads.find(created.body.uploadId))!.state).toBe('ready');
  });
});
