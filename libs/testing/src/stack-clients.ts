import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { CreateUploadResponse } from '@airlock/client';
import type { ApiError } from './api-answers.ts';
import { loadUploadApiConfig } from '@airlock/config';
import {
  createRequestUpload,
  DEFAULT_EXPIRY_POLICY,
  type PresignedRequest,
  type RequestUploadPolicy,
  type Upload,
} from '@airlock/core';
import { createPool, PgSiteDirectory, PgTenantAdmin, PgUploadRepository } from '@airlock/postgres';
import { createS3Client, S3UploadUrlSigner } from '@airlock/s3';
import { createSqsClient } from '@airlock/sqs';
import { queueDepth, until } from './fixtures.ts';

export type Tenant = { customerId: string; siteId: string; apiKey: string };
export type TestFile = { bytes: Buffer; size: number; sha256: string };

/** Every refusal of the v1 API (docs/api.md). */
export type ApiErrorBody = { error: ApiError };
/** `POST /v1/uploads` → 201 with one presigned PUT: every test file is below the multipart threshold. */
export type UploadCreated = Extract<CreateUploadResponse, { upload: unknown }> & {
  upload: PresignedRequest;
};
export type HttpAnswer = { status: number; body: unknown };

/** The error of a refusal, once its status and shape are checked. */
export function refusalOf(answer: HttpAnswer, status: number): ApiError {
  const { error } = (answer.body ?? {}) as Partial<ApiErrorBody>;
  if (answer.status !== status || typeof error?.code !== 'string')
    throw new Error(
      `expected a ${status} refusal, got ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  return error;
}

/** A fresh customer with one site and one key: every test owns its tenant. */
export async function createTenant(tenants: PgTenantAdmin): Promise<Tenant> {
  const customer = await tenants.addCustomer(`test-${randomBytes(4).toString('hex')}`);
  const site = await tenants.addSite(customer.id, 'site');
  const key = await tenants.issueKey(customer.id);
  return { customerId: customer.id, siteId: site.id, apiKey: key.key };
}

export function fileOf(content: string | Buffer): TestFile {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return { bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Unique bytes per call, so tests never dedup against each other. */
export function uniqueText(label = 'hello'): TestFile {
  return fileOf(`${label} ${randomBytes(16).toString('hex')}\n`);
}

/**
 * Real clients for the running local stack (its env comes from the jest
 * global setup): Postgres, S3, SQS and the repositories the workers use.
 */
export class StackClients {
  readonly config = loadUploadApiConfig({ LOG_LEVEL: 'silent', ...process.env });
  readonly pool = createPool(this.config.databaseUrl, { max: 4 });
  readonly s3 = createS3Client(this.config.aws.s3);
  readonly sqs = createSqsClient(this.config.aws.sqs);
  readonly tenants = new PgTenantAdmin({ pool: this.pool });
  readonly uploads = new PgUploadRepository({ pool: this.pool });
  readonly apiUrl = process.env.AIRLOCK_API_URL!;

  tenant(): Promise<Tenant> {
    return createTenant(this.tenants);
  }

  /** `POST /v1/uploads` on the stack's running API. */
  async requestUpload(
    tenant: Tenant,
    file: Pick<TestFile, 'size' | 'sha256'>,
    contentType: string,
  ): Promise<HttpAnswer> {
    const response = await fetch(`${this.apiUrl}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        siteId: tenant.siteId,
        fileName: 'file',
        contentType,
        size: file.size,
        sha256: file.sha256,
      }),
    });
    return { status: response.status, body: await response.json() };
  }

  /** `POST /v1/uploads`, which must answer 201: the upload and its presigned PUT. */
  async createUpload(tenant: Tenant, file: TestFile, contentType: string): Promise<UploadCreated> {
    const answer = await this.requestUpload(tenant, file, contentType);
    if (answer.status !== 201)
      throw new Error(`POST /v1/uploads answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    // 201 is the single-PUT answer for a file this size (the OpenAPI tests check its shape).
    return answer.body as UploadCreated;
  }

  /** Through the running API and its presigned PUT, as a client uploads. */
  async uploadThroughApi(
    tenant: Tenant,
    file: TestFile,
    contentType: string,
  ): Promise<UploadCreated> {
    const created = await this.createUpload(tenant, file, contentType);
    const status = await putPresigned(created.upload, file.bytes);
    if (status !== 200) throw new Error(`the presigned PUT answered ${status}`);
    return created;
  }

  /** `PUT /v1/webhook` on the running API, which must answer 200: the endpoint's signing secret. */
  async registerWebhook(tenant: Tenant, url: string): Promise<string> {
    const response = await fetch(`${this.apiUrl}/v1/webhook`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    if (response.status !== 200)
      throw new Error(`PUT /v1/webhook answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { secret: string }).secret;
  }

  /**
   * Waits until the stack's queues hold nothing (visible, in flight or
   * delayed) and the outbox has nothing to relay. Work an earlier test file
   * left behind (a webhook retrying against a receiver since closed, a job
   * for an endpoint since deleted) would otherwise land in this file's counts
   * or dead-letter queues.
   */
  async untilIdle(timeoutMs = 90_000): Promise<void> {
    const queues = ['UPLOAD_EVENTS', 'SCAN_JOBS', 'MEDIA_JOBS', 'WEBHOOK_JOBS'].map(
      (name) => process.env[`${name}_QUEUE_URL`]!,
    );
    await until(
      'the pipeline to be idle',
      async () => {
        const depths = await Promise.all(queues.map((url) => queueDepth(this.sqs, url)));
        const { rows } = await this.pool.query<{ unrelayed: number }>(
          'SELECT count(*)::int AS unrelayed FROM webhook_deliveries WHERE queued_at IS NULL',
        );
        return depths.every((depth) => depth === 0) && rows[0]!.unrelayed === 0 ? true : undefined;
      },
      timeoutMs,
    );
  }

  /** Whether `bucket` holds `key`: false on 404 only, so an unreachable store fails the test. */
  objectExists(bucket: string, key: string): Promise<boolean> {
    return this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      (error: { $metadata?: { httpStatusCode?: number } }) => {
        if (error.$metadata?.httpStatusCode === 404) return false;
        throw error;
      },
    );
  }

  /**
   * The same request-upload use case the API runs, in-process, with a policy
   * of the test's own (another bucket, larger limits).
   */
  async requestUploadWith(
    policy: Partial<RequestUploadPolicy>,
    tenant: Tenant,
    file: Pick<TestFile, 'size' | 'sha256'>,
    contentType: string,
    options: { multipart?: boolean } = {},
  ) {
    const requestUpload = createRequestUpload(
      {
        sites: new PgSiteDirectory({ pool: this.pool }),
        uploads: this.uploads,
        signer: new S3UploadUrlSigner({ s3: this.s3 }),
      },
      { ...this.config.uploads, expiry: DEFAULT_EXPIRY_POLICY, ...policy },
    );
    return requestUpload({
      callerCustomerId: tenant.customerId,
      siteId: tenant.siteId,
      fileName: 'file',
      contentType,
      size: file.size,
      sha256: file.sha256,
      actor: 'test',
      multipart: options.multipart,
    });
  }

  /**
   * An upload whose bytes are stored and marked verified, as the verifier
   * would leave it: for tests of the stages after it.
   */
  async stageVerified(
    bucket: string,
    tenant: Tenant,
    file: TestFile,
    contentType: string,
  ): Promise<Upload> {
    const unlimited = Number.MAX_SAFE_INTEGER;
    const sizeLimits = {
      images: unlimited,
      documents: unlimited,
      text: unlimited,
      video: unlimited,
    };
    // One PUT whatever the size: the stages after the verifier do not care how bytes arrived.
    const result = await this.requestUploadWith({ bucket, sizeLimits }, tenant, file, contentType, {
      multipart: false,
    });
    if (result.outcome !== 'upload') throw new Error('expected a new upload');
    const status = await putPresigned(result.presigned, file.bytes);
    if (status !== 200) throw new Error(`PUT failed with ${status}`);
    await this.uploads.transition({ uploadId: result.upload.id, to: 'uploaded', actor: 'test' });
    const verified = await this.uploads.transition({
      uploadId: result.upload.id,
      to: 'verified',
      actor: 'test',
      detectedContentType: contentType,
    });
    return verified!;
  }

  async close(): Promise<void> {
    await this.pool.end();
    this.s3.destroy();
    this.sqs.destroy();
  }
}

export async function putPresigned(presigned: PresignedRequest, body: Buffer): Promise<number> {
  const response = await fetch(presigned.url, {
    method: 'PUT',
    headers: presigned.headers,
    // A copy typed Uint8Array<ArrayBuffer>: with the DOM library (the browser
    // tests' config) a Buffer is not a BodyInit.
    body: Uint8Array.from(body),
  });
  await response.arrayBuffer();
  return response.status;
}
