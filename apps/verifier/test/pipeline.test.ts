import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PgObjectIncidents, PgUploadScans } from '@airlock/postgres';
import {
  airlockBadgePng,
  fakeExecutable,
  fileOf,
  putPresigned,
  StackClients,
  uniqueText,
  until,
  waitForState,
  type Tenant,
  type TestFile,
} from '@airlock/testing';

// These run through the stack's own processes: S3 → SQS → verifier → Postgres (→ scanner).
const stack = new StackClients();
const { s3 } = stack;
const incidents = new PgObjectIncidents({ pool: stack.pool });
const uploadsBucket = stack.config.uploads.bucket;
const quarantineBucket = process.env.QUARANTINE_BUCKET!;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

/** Asks the running API for a URL and PUTs `body` (the declared bytes unless a test tampers). */
async function upload(file: TestFile, contentType: string, body: Buffer = file.bytes) {
  if (body.equals(file.bytes)) return stack.uploadThroughApi(tenant, file, contentType);
  const created = await stack.createUpload(tenant, file, contentType);
  // The emulator, like S3, refuses other bytes through the URL (its checksum is
  // signed); a store that does not enforce it is played by a direct PUT.
  expect(await putPresigned(created.upload, body)).toBe(400);
  await s3.send(
    new PutObjectCommand({
      Bucket: uploadsBucket,
      Key: created.key,
      Body: body,
      ContentType: contentType,
    }),
  );
  return created;
}

const existsIn = (bucket: string, key: string) => stack.objectExists(bucket, key);

describe('the verifier behind the real bridge', () => {
  it('an honest PNG becomes verified, with its detected type, and its scan job reaches the scanner', async () => {
    const file = fileOf(airlockBadgePng());
    const { uploadId, key } = await upload(file, 'image/png');
    // The stack's scanner takes the job off scan-jobs at once: its verdict is the proof it got it.
    const { upload: scanned, history } = await waitForState(stack.uploads, uploadId, [
      'clean',
      'ready',
      'quarantined',
      'rejected',
    ]);
    expect(history.map((h) => h.toState).slice(0, 3)).toEqual(['pending', 'uploaded', 'verified']);
    expect(history[2]).toMatchObject({ actor: 'verifier' });
    expect(scanned).toMatchObject({
      state: expect.stringMatching(/^(clean|ready)$/),
      detectedContentType: 'image/png',
    });
    expect(scanned.scanRequestedAt).not.toBeNull();
    const [scan] = await new PgUploadScans({ pool: stack.pool }).forUpload(uploadId);
    expect(scan).toMatchObject({ trigger: 'upload', result: 'clean' });
    expect(await existsIn(uploadsBucket, key)).toBe(true);
  });

  it('bytes that differ from the signed checksum are rejected as checksum_mismatch and quarantined', async () => {
    const file = uniqueText('claimed');
    const tampered = Buffer.from(file.bytes);
    tampered[0] = tampered[0]! ^ 0xff;
    const { uploadId, key } = await upload(file, 'text/plain', tampered);
    const { upload: rejected } = await waitForState(stack.uploads, uploadId);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'checksum_mismatch' });
    expect(await existsIn(uploadsBucket, key)).toBe(false);
    const quarantined = await s3.send(
      new GetObjectCommand({ Bucket: quarantineBucket, Key: `${uploadId}/${key}` }),
    );
    expect(Buffer.from(await quarantined.Body!.transformToByteArray())).toEqual(tampered);
    expect(quarantined.Metadata).toMatchObject({
      'airlock-reason': 'checksum_mismatch',
      'airlock-upload-id': uploadId,
    });

    // The hash was never confirmed: asking again starts over instead of answering "duplicate".
    const again = await stack.createUpload(tenant, file, 'text/plain');
    expect(again.uploadId).not.toBe(uploadId);
  });

  it('an executable renamed .jpg is rejected as type_mismatch', async () => {
    const exe = fileOf(fakeExecutable());
    const { uploadId, key } = await upload(exe, 'image/jpeg');
    expect(key).toMatch(/\.jpg$/);
    const { upload: rejected, history } = await waitForState(stack.uploads, uploadId);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'type_mismatch' });
    expect(history.at(-1)).toMatchObject({ toState: 'rejected', reason: 'type_mismatch' });
    expect(await existsIn(quarantineBucket, `${uploadId}/${key}`)).toBe(true);
  });

  it('binary bytes declared as text are rejected as type_mismatch', async () => {
    const binary = fileOf(Buffer.from([0x68, 0x69, 0x00, 0x01, 0xff, 0xfe]));
    const { uploadId } = await upload(binary, 'text/plain');
    const { upload: rejected } = await waitForState(stack.uploads, uploadId);
    expect(rejected).toMatchObject({ state: 'rejected', reason: 'type_mismatch' });
  });

  it('an object nobody asked for is quarantined and recorded as an incident', async () => {
    const key = `no-such-tenant/images/${randomUUID()}.png`;
    await s3.send(
      new PutObjectCommand({ Bucket: uploadsBucket, Key: key, Body: 'who sent this?' }),
    );
    const recorded = await until(
      'an incident',
      async () => (await incidents.forKey(uploadsBucket, key))[0],
    );
    expect(recorded).toMatchObject({
      reason: 'unknown_object',
      quarantine: { bucket: quarantineBucket, key: `unmatched/${key}` },
    });
    expect(await existsIn(uploadsBucket, key)).toBe(false);
    expect(await existsIn(quarantineBucket, `unmatched/${key}`)).toBe(true);
  });
});
