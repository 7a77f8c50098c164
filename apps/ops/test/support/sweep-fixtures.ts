import { randomBytes } from 'node:crypto';
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3ObjectStore, S3OpenMultipartUploads, type ObjectRef } from '@airlock/s3';
import { putPresigned, uniqueText, type StackClients, type Tenant } from '@airlock/testing';

type Multipart = { bucket: string; key: string; uploadId: string };

/** Uploads for the sweep to find, in the sandbox bucket (no workers behind it), and what became of them. */
export class SweepFixtures {
  readonly #stack: StackClients;
  readonly #tenant: Tenant;
  readonly #objects: S3ObjectStore;
  readonly #open: S3OpenMultipartUploads;
  readonly #begun: Multipart[] = [];
  #ageSeconds = 10_000;

  constructor(stack: StackClients, tenant: Tenant) {
    this.#stack = stack;
    this.#tenant = tenant;
    this.#objects = new S3ObjectStore({ s3: stack.s3 });
    this.#open = new S3OpenMultipartUploads({ s3: stack.s3 });
  }

  /** A pending upload, its expiry an hour or more in the past (unless `expire: false`). */
  async expiredUpload(options: { put: boolean; expire?: boolean }) {
    const file = uniqueText('sweep');
    const result = await this.#stack.requestUploadWith(
      { bucket: process.env.SANDBOX_BUCKET! },
      this.#tenant,
      file,
      'text/plain',
    );
    if (result.outcome !== 'upload') throw new Error('expected a new upload');
    if (options.put && (await putPresigned(result.presigned, file.bytes)) !== 200)
      throw new Error('the presigned PUT failed');
    if (options.expire ?? true) {
      // Oldest first: each upload made here expired a second later than the one before.
      this.#ageSeconds -= 1;
      await this.#stack.pool.query(
        `UPDATE uploads SET expires_at = now() - make_interval(secs => $2) WHERE id = $1`,
        [result.upload.id, this.#ageSeconds],
      );
    }
    return result.upload;
  }

  async stateOf(id: string) {
    const { rows } = await this.#stack.pool.query<{ state: string; reason: string | null }>(
      'SELECT state, reason FROM uploads WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  async exists(object: ObjectRef): Promise<boolean> {
    const opened = await this.#objects.open(object);
    opened?.body.destroy();
    return opened !== undefined;
  }

  /** A multipart upload in the store holding one (billed) 5 MiB part, as a client leaves it. */
  async multipartWithPart(bucket: string, key: string): Promise<Multipart> {
    const s3 = this.#stack.s3;
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' }),
    );
    await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: created.UploadId!,
        PartNumber: 1,
        Body: randomBytes(5 * 1024 * 1024),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const upload = { bucket, key, uploadId: created.UploadId! };
    this.#begun.push(upload);
    return upload;
  }

  /** A pending upload sent in parts (S3 multipart upload begun, one part stored), in `bucket` if given. */
  async pendingMultipart(options: { expire: boolean; bucket?: string }) {
    const upload = await this.expiredUpload({ put: false, expire: options.expire });
    const bucket = options.bucket ?? upload.bucket;
    const multipart = await this.multipartWithPart(bucket, upload.key);
    await this.#stack.pool.query(
      `UPDATE uploads SET bucket = $4, multipart_upload_id = $2, part_size = $3, part_count = 2
       WHERE id = $1`,
      [upload.id, multipart.uploadId, 5 * 1024 * 1024, bucket],
    );
    return { ...upload, bucket, uploadId: multipart.uploadId };
  }

  async openIds(bucket: string): Promise<string[]> {
    const { Uploads } = await this.#stack.s3.send(
      new ListMultipartUploadsCommand({ Bucket: bucket }),
    );
    return (Uploads ?? []).map((upload) => upload.UploadId!);
  }

  /** Aborts every multipart upload made here that a test left open. */
  async close(): Promise<void> {
    for (const upload of this.#begun) await this.#open.abort(upload);
  }
}
