import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadMediaConfig } from '@airlock/config';
import { mediaRequested, type Upload } from '@airlock/core';
import { PgUploadRenditions } from '@airlock/postgres';
import { createLogger } from '@airlock/runtime';
import type { QueueUrls } from '@airlock/sqs';
import { fileOf, queueDepth, StackClients, testQueues, type Tenant } from '@airlock/testing';
import { composeMedia } from '../src/compose.ts';

/**
 * An in-process media worker on queues of its own, over uploads staged as
 * clean in the sandbox bucket (the stack runs no media worker, and its scanner
 * never publishes to these queues): each test decides what is rendered and when.
 */
export class MediaHarness {
  readonly stack = new StackClients();
  readonly sandbox = process.env.SANDBOX_BUCKET!;
  readonly processed = process.env.PROCESSED_BUCKET!;
  readonly renditions = new PgUploadRenditions({ pool: this.stack.pool });
  readonly silent = createLogger({ level: 'silent', service: 'test' });
  readonly #cleanups: Array<() => Promise<unknown>> = [];

  async cleanUp(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup();
  }

  async close(): Promise<void> {
    await this.cleanUp();
    await this.stack.close();
  }

  async queues(maxReceiveCount = 3): Promise<QueueUrls> {
    const { queues, remove } = await testQueues(this.stack.sqs, ['media'], maxReceiveCount);
    this.#cleanups.push(remove);
    return queues.media;
  }

  startWorker(queue: QueueUrls, env: Record<string, string> = {}) {
    const media = composeMedia(
      loadMediaConfig({
        ...process.env,
        UPLOADS_BUCKET: this.sandbox,
        MEDIA_JOBS_QUEUE_URL: queue.url,
        MEDIA_JOBS_DLQ_URL: queue.dlqUrl,
        WORKER_WAIT_TIME_SECONDS: '1',
        ...env,
      }),
      this.silent,
    );
    media.start();
    this.#cleanups.push(() => media.close());
    return media;
  }

  /** Bytes stored in the sandbox and the upload moved on to `clean`, as the scanner leaves it. */
  async stageClean(tenant: Tenant, bytes: Buffer, contentType: string): Promise<Upload> {
    const verified = await this.stack.stageVerified(
      this.sandbox,
      tenant,
      fileOf(bytes),
      contentType,
    );
    const clean = await this.stack.uploads.transition({
      uploadId: verified.id,
      to: 'clean',
      actor: 'test',
    });
    this.#cleanups.push(() => this.#deleteRenditions(clean!));
    return clean!;
  }

  async send(queue: QueueUrls, upload: Upload): Promise<string> {
    const job = mediaRequested(upload, { producedBy: 'test' });
    const sent = await this.stack.sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(job) }),
    );
    return sent.MessageId!;
  }

  /** True once nothing is waiting, in flight or backing off on the queue. */
  async drained(queueUrl: string): Promise<true | undefined> {
    return (await queueDepth(this.stack.sqs, queueUrl)) === 0 ? true : undefined;
  }

  async getObject(bucket: string, key: string) {
    const response = await this.stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      bytes: Buffer.from(await response.Body!.transformToByteArray()),
      contentType: response.ContentType,
      eTag: response.ETag,
    };
  }

  async eTagOf(bucket: string, key: string): Promise<string | undefined> {
    const head = await this.stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ETag;
  }

  renditionPrefix(upload: Upload): string {
    return `${upload.key.split('/')[0]}/renditions/${upload.declaredSha256}/`;
  }

  /**
   * Which of the default renditions' objects exist. Keys are predictable, so
   * they are probed one by one (the S3 emulator cannot list with SigV4).
   */
  async processedKeys(upload: Upload): Promise<string[]> {
    const found: string[] = [];
    for (const key of this.#defaultKeys(upload)) {
      if (await this.stack.objectExists(this.processed, key)) found.push(key);
    }
    return found;
  }

  async transitionsTo(uploadId: string, state: string) {
    const { rows } = await this.stack.pool.query<{
      actor: string;
      detail: Record<string, unknown> | null;
    }>(
      `SELECT actor, detail FROM upload_events WHERE upload_id = $1 AND to_state = $2 ORDER BY id`,
      [uploadId, state],
    );
    return rows;
  }

  async failuresOf(messageIds: readonly string[]) {
    const { rows } = await this.stack.pool.query<{ permanent: boolean; last_error: string }>(
      `SELECT permanent, last_error FROM message_failures
       WHERE queue = 'media-jobs' AND message_id = ANY($1)`,
      [messageIds],
    );
    return rows;
  }

  #defaultKeys(upload: Upload): string[] {
    const prefix = this.renditionPrefix(upload);
    return ['w1024-avif.avif', 'w1024-webp.webp', 'w256-webp.webp'].map((name) => prefix + name);
  }

  async #deleteRenditions(upload: Upload): Promise<void> {
    for (const key of this.#defaultKeys(upload)) {
      await this.stack.s3.send(new DeleteObjectCommand({ Bucket: this.processed, Key: key }));
    }
  }
}
