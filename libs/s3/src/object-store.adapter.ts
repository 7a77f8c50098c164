import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import type {
  NewObject,
  ObjectRef,
  ObjectStore,
  OpenedObject,
  OpenOptions,
  VersionedRef,
} from '@airlock/core';

export type { NewObject, ObjectRef, OpenedObject, OpenOptions, VersionedRef };

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error instanceof S3ServiceException && error.name === 'NoSuchKey');

/** Object reads and moves, in domain terms: a missing object is `undefined`/`false`, not an error. */
export class S3ObjectStore implements ObjectStore {
  readonly #s3: S3Client;

  constructor(deps: { s3: S3Client }) {
    this.#s3 = deps.s3;
  }

  /**
   * Opens the object for reading: the version given, else the current one.
   * `undefined` when it (or that version) is gone.
   */
  async open(object: VersionedRef, options: OpenOptions = {}): Promise<OpenedObject | undefined> {
    try {
      const response = await this.#s3.send(
        new GetObjectCommand({
          Bucket: object.bucket,
          Key: object.key,
          ...(object.versionId ? { VersionId: object.versionId } : {}),
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      const raw = response.Body as Readable;
      let digest: string | undefined;
      let body = raw;
      if (options.sha256) {
        const hash = createHash('sha256');
        body = raw.pipe(
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              done(null, chunk);
            },
            flush(done) {
              digest = hash.digest('hex');
              done();
            },
          }),
        );
        // Destroying the tap (a consumer that stops early) releases the connection.
        body.once('close', () => raw.destroy());
        raw.once('error', (error) => body.destroy(error));
      }
      return {
        body,
        size: response.ContentLength ?? 0,
        eTag: response.ETag?.replaceAll('"', ''),
        versionId: response.VersionId,
        headers: {
          contentType: response.ContentType,
          cacheControl: response.CacheControl,
          contentDisposition: response.ContentDisposition,
          contentEncoding: response.ContentEncoding,
          contentLanguage: response.ContentLanguage,
          expires: response.ExpiresString ?? response.Expires?.toUTCString(),
          websiteRedirectLocation: response.WebsiteRedirectLocation,
          userMetadata: response.Metadata ?? {},
        },
        sha256: () => digest,
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Copies the object (with `metadata` replacing its own) and then deletes the
   * source. Safe to repeat: false when the source is already gone.
   */
  async move(from: ObjectRef, to: ObjectRef, metadata: Record<string, string>): Promise<boolean> {
    try {
      await this.#s3.send(
        new CopyObjectCommand({
          Bucket: to.bucket,
          Key: to.key,
          CopySource: `${from.bucket}/${encodeURIComponent(from.key).replaceAll('%2F', '/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: metadata,
        }),
      );
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    await this.#s3.send(new DeleteObjectCommand({ Bucket: from.bucket, Key: from.key }));
    return true;
  }

  /** Replaces the object's tags; false when the object is gone. */
  async tag(object: ObjectRef, tags: Record<string, string>): Promise<boolean> {
    try {
      await this.#s3.send(
        new PutObjectTaggingCommand({
          Bucket: object.bucket,
          Key: object.key,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async tags(object: ObjectRef): Promise<Record<string, string> | undefined> {
    try {
      const { TagSet = [] } = await this.#s3.send(
        new GetObjectTaggingCommand({ Bucket: object.bucket, Key: object.key }),
      );
      return Object.fromEntries(TagSet.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Creates or overwrites the object. */
  async put(object: NewObject): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.contentType,
        ContentLength: object.body.length,
      }),
    );
  }

  /** Deletes the object; deleting one that is gone is not an error. */
  async delete(object: ObjectRef): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
  }
}
