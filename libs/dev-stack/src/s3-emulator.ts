/**
 * The local S3: @20minutes/s3rver (which checks SigV4 for real, presigned or
 * in headers) with what it lacks or gets wrong put right, as one Koa
 * middleware in front of its router. Every operation here is authenticated by
 * s3rver's own SigV4 check first (a form POST by its policy signature):
 *
 * - PutObject and UploadPart stream the body to a temporary file and refuse
 *   it, storing nothing, when its length, `x-amz-content-sha256`,
 *   `Content-MD5` or `x-amz-checksum-sha256` do not match (s3rver ignores the
 *   last three and leaves a truncated object behind when a client drops).
 * - Multipart: CreateMultipartUpload (with `x-amz-checksum-algorithm:
 *   SHA256`), UploadPart, ListParts, AbortMultipartUpload,
 *   ListMultipartUploads and CompleteMultipartUpload with S3's checks (part
 *   order, ETags, per-part checksums, 5 MiB minimum), multipart ETag and
 *   COMPOSITE checksum, and the `ObjectCreated:CompleteMultipartUpload` event.
 * - Form POST: the policy's signature, expiration and conditions enforced.
 * - A request with no signature at all is refused, as a private bucket does.
 * - CORS as S3 evaluates it (s3-cors.ts): preflights answered from the
 *   bucket's CORS configuration, and the grant on every answer of the
 *   operations above, errors included (a page can read why S3 refused).
 *
 * Only SHA-256 checksums are verified; the other algorithms are refused on
 * multipart uploads and ignored on single PUTs.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import S3rver from '@20minutes/s3rver';
import authentication from '@20minutes/s3rver/lib/middleware/authentication.js';
import AWSAccount from '@20minutes/s3rver/lib/models/account.js';
import S3Error from '@20minutes/s3rver/lib/models/error.js';
import S3Object from '@20minutes/s3rver/lib/models/object.js';
import { aws4SignatureBodyParser } from '@20minutes/s3rver/lib/signature/v4.js';
import busboy from 'busboy';
import { actualRequestHeaders, preflight, rulesOf } from './s3-cors.ts';
import { cacheBucketLookups, type BucketLookups } from './s3-bucket-cache.ts';
import type { EmulatorEvent } from './s3-event-envelope.ts';
import { checkPostPolicy } from './s3-post-policy.ts';
import { corsConfigurationXml, type CorsRule } from './upload-cors.ts';
import {
  checkCompleteParts,
  compositeSha256,
  multipartEtag,
  parseCompleteBody,
  parsePartNumber,
  type RuleFailure,
  type StoredPart,
} from './s3-multipart-rules.ts';

const GiB = 1024 ** 3;
/** S3's ceiling for one PUT, one part and one form POST. */
const MAX_UPLOAD_SIZE = 5 * GiB;
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** s3rver's one account (S3RVER / S3RVER). */
const OWNER = { ID: '123456789000', DisplayName: 'S3rver' };

type Store = {
  getBucket(name: string): Promise<unknown>;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: object, md5: string): Promise<void>;
  getSubresource(
    bucket: string,
    key: undefined,
    type: 'cors',
  ): Promise<{ rawConfig: unknown } | null>;
};

/** The slice of s3rver's Koa context used here. */
type Ctx = {
  method: string;
  path: string;
  protocol: string;
  host: string;
  ip: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  request: { body?: unknown };
  params: Record<string, string>;
  state: { account?: unknown };
  status: number;
  body: unknown;
  app: EventEmitter;
  store: Store;
  get(name: string): string;
  set(name: string, value: string): void;
  is(type: string): string | false | null;
};

type Handler = (ctx: Ctx, target: { bucket: string; key: string }, dirs: Dirs) => Promise<void>;
type Dirs = { readonly incoming: string };

export type S3EmulatorOptions = {
  readonly address: string;
  readonly port: number;
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  /** Bodies land here until checked; on the same file system as `directory`. */
  readonly incoming: string;
  readonly buckets: readonly string[];
  /** Each bucket's CORS rule; a bucket not named here has no CORS configuration at all. */
  readonly cors?: Readonly<Record<string, CorsRule>>;
};

export async function createS3Emulator(options: S3EmulatorOptions): Promise<S3rver> {
  await rm(options.incoming, { recursive: true, force: true });
  await mkdir(options.incoming, { recursive: true });
  const server = new S3rver({
    address: options.address,
    port: options.port,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => {
      const rule = options.cors?.[name];
      return { name, configs: rule ? [corsConfigurationXml(rule)] : [] };
    }),
  });
  cacheBucketLookups(server.store as unknown as BucketLookups);
  // configureBuckets only adds: a rule kept from an earlier run goes here.
  for (const name of options.buckets)
    if (!options.cors?.[name]) await server.store.deleteSubresource(name, undefined, 'cors');
  // s3rver's last middleware is its router; ours goes just before it, after
  // its error handling, XML rendering and path-style parsing.
  const router = server.middleware.at(-1);
  if (!router || !('router' in router))
    throw new Error('@20minutes/s3rver changed its middleware layout: review s3-emulator.ts');
  server.middleware.splice(-1, 0, extensions({ incoming: options.incoming }) as never);
  return server;
}

function s3Error(
  code: string,
  message: string,
  detail?: Record<string, string | number>,
  status?: number,
): S3Error {
  const error = new S3Error(code, message, detail);
  if (status !== undefined) {
    error.status = status;
    error.expose = status < 500;
  }
  return error;
}

const fromRule = (failure: RuleFailure) =>
  s3Error(failure.code, failure.message, failure.detail, 400);
const accessDenied = () => s3Error('AccessDenied', 'Access Denied');
const noSuchUpload = (uploadId: unknown) =>
  s3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: String(uploadId) },
  );

/** Bucket and key of a path-style request, decoded as s3rver's router does. */
function target(path: string): { bucket?: string; key?: string } {
  try {
    const [, bucket, ...rest] = path.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    return bucket ? { bucket: decodeURIComponent(bucket), ...(key ? { key } : {}) } : {};
  } catch {
    return {};
  }
}

function operation(ctx: Ctx, key: string | undefined): Handler | undefined {
  const q = ctx.query;
  const copy = 'x-amz-copy-source' in ctx.headers;
  if (key === undefined) {
    if (ctx.method === 'GET' && 'uploads' in q) return listMultipartUploads;
    if (ctx.method === 'POST' && Object.keys(q).length === 0) return postObject;
    return undefined;
  }
  // The SDK's `x-id=PutObject` names the operation; x-amz-* are presigning.
  const plain = Object.keys(q).every((name) => /^x-amz-/i.test(name) || name === 'x-id');
  switch (ctx.method) {
    case 'PUT':
      if (copy) return undefined;
      if ('uploadId' in q) return uploadPart;
      return plain ? putObject : undefined;
    case 'POST':
      if ('uploads' in q) return createMultipartUpload;
      return 'uploadId' in q ? completeMultipartUpload : undefined;
    case 'GET':
      return 'uploadId' in q ? listParts : undefined;
    case 'DELETE':
      return 'uploadId' in q ? abortMultipartUpload : undefined;
    default:
      return undefined;
  }
}

function extensions(dirs: Dirs) {
  const authenticate = authentication() as (ctx: Ctx, next: () => Promise<void>) => Promise<void>;

  const corsRules = async (ctx: Ctx, bucket: string) =>
    (await ctx.store.getBucket(bucket))
      ? rulesOf((await ctx.store.getSubresource(bucket, undefined, 'cors'))?.rawConfig)
      : undefined;

  /** s3rver's SigV4 check, with the path as signed: `/bucket/` keeps its slash. */
  async function verifySignature(ctx: Ctx, bucket: string, key: string | undefined) {
    const slash = key === undefined && ctx.path.endsWith('/') ? '/' : '';
    ctx.params = key === undefined ? { bucket: `${bucket}${slash}` } : { bucket, key };
    await authenticate(ctx, async () => {});
    ctx.params = key === undefined ? { bucket } : { bucket, key };
    if (!ctx.state.account) throw accessDenied();
  }

  return async function s3Extensions(ctx: Ctx, next: () => Promise<void>): Promise<void> {
    const { bucket, key } = target(ctx.path);
    if (bucket && ctx.method === 'OPTIONS') {
      // A preflight is never signed: S3 answers it from the CORS configuration alone.
      const rules = await corsRules(ctx, bucket);
      const answer = preflight(rules?.length ? rules : undefined, {
        origin: ctx.get('origin') || undefined,
        requestMethod: ctx.get('access-control-request-method') || undefined,
        requestHeaders: ctx.get('access-control-request-headers') || undefined,
      });
      if (!answer.ok) throw s3Error(answer.code, answer.message, undefined, answer.status);
      for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
      ctx.status = 200;
      ctx.body = '';
      return;
    }
    const handler = bucket ? operation(ctx, key) : undefined;
    if (!handler || !bucket) {
      const signed =
        'authorization' in ctx.headers ||
        'Signature' in ctx.query ||
        'X-Amz-Algorithm' in ctx.query;
      if (!signed && ctx.method !== 'OPTIONS') throw accessDenied();
      if (bucket && key === undefined && ctx.path.endsWith('/') && ctx.method !== 'OPTIONS') {
        // The SDK signs bucket operations (ListObjectsV2…) as `/bucket/`, which
        // s3rver checks as `/bucket`: checked here, then handed on unsigned.
        await verifySignature(ctx, bucket, undefined);
        delete ctx.headers.authorization;
        ctx.query = Object.fromEntries(
          Object.entries(ctx.query).filter(([name]) => !/^X-Amz-/.test(name)),
        );
      }
      return next();
    }
    // Set before anything can fail: S3 grants CORS on its refusals too.
    const grant = actualRequestHeaders(await corsRules(ctx, bucket), {
      origin: ctx.get('origin') || undefined,
      method: ctx.method,
    });
    for (const [name, value] of Object.entries(grant ?? {})) ctx.set(name, value);
    // A form POST carries its signature in the form: checked by its handler.
    if (handler !== postObject) await verifySignature(ctx, bucket, key);
    if (!(await ctx.store.getBucket(bucket)))
      throw s3Error('NoSuchBucket', 'The specified bucket does not exist', {
        BucketName: bucket,
      });
    await handler(ctx, { bucket, key: key ?? '' }, dirs);
  };
}

// ---------------------------------------------------------------- bodies --

const isDigest = (value: string, bytes: number) =>
  /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === bytes;

type Received = { path: string; size: number; md5: string; sha256: Buffer };

/** Streams bytes to a temporary file, hashing and counting them on the way. */
async function spool(
  source: Readable,
  incoming: string,
  limit = Number.POSITIVE_INFINITY,
): Promise<Received & { over: boolean }> {
  const path = join(incoming, randomBytes(16).toString('hex'));
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let size = 0;
  let over = false;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      // Past the limit the rest is read and counted, never written.
      if (size > limit) over = true;
      if (over) return callback();
      md5.update(chunk);
      sha256.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, measure, createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { path, size, md5: md5.digest('hex'), sha256: sha256.digest(), over };
}

/**
 * The body of a PUT or UploadPart, refused as S3 refuses it: no length, more
 * than 5 GiB, fewer bytes than announced, or bytes other than its
 * `x-amz-content-sha256`, `Content-MD5` or `x-amz-checksum-sha256` say.
 */
async function receive(ctx: Ctx, incoming: string): Promise<Received> {
  const payloadHash = ctx.get('x-amz-content-sha256');
  const chunked = payloadHash === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const declared = ctx.get(chunked ? 'x-amz-decoded-content-length' : 'content-length');
  if (!/^\d+$/.test(declared))
    throw s3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
  const expected = Number(declared);
  if (expected > MAX_UPLOAD_SIZE)
    throw s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      ProposedSize: expected,
      MaxSizeAllowed: MAX_UPLOAD_SIZE,
    });
  const checksum = ctx.get('x-amz-checksum-sha256');
  if (checksum && !isDigest(checksum, 32))
    throw s3Error('InvalidRequest', 'Value for x-amz-checksum-sha256 header is invalid.');
  const contentMd5 = ctx.get('content-md5');
  if (contentMd5 && !isDigest(contentMd5, 16))
    throw s3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', {
      'Content-MD5': contentMd5,
    });

  aws4SignatureBodyParser(ctx as never);
  const body = await spool(ctx.request.body as Readable, incoming);
  const refuse = async (error: S3Error) => {
    await rm(body.path, { force: true });
    return error;
  };
  if (body.size !== expected)
    throw await refuse(
      s3Error(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header',
      ),
    );
  if (
    /^[0-9a-f]{64}$/i.test(payloadHash) &&
    payloadHash.toLowerCase() !== body.sha256.toString('hex')
  )
    throw await refuse(
      s3Error(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {
          ClientComputedContentSHA256: payloadHash,
          S3ComputedContentSHA256: body.sha256.toString('hex'),
        },
        400,
      ),
    );
  if (contentMd5 && Buffer.from(contentMd5, 'base64').toString('hex') !== body.md5)
    throw await refuse(
      s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: contentMd5,
        CalculatedDigest: Buffer.from(body.md5, 'hex').toString('base64'),
      }),
    );
  if (checksum && checksum !== body.sha256.toString('base64'))
    throw await refuse(
      s3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.'),
    );
  return body;
}

/** A small request body (CompleteMultipartUpload's XML). */
async function readSmall(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw s3Error(
        'MaxMessageLengthExceeded',
        'Your request was too big.',
        { MaxMessageLengthBytes: limit },
        400,
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Moves a checked file into place as the object, with its metadata and ETag. */
async function storeObject(
  ctx: Ctx,
  target: { bucket: string; key: string },
  file: string,
  metadata: object,
  etag: string,
): Promise<void> {
  const objectPath = ctx.store.getResourcePath(target.bucket, target.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  await rename(file, objectPath);
  await ctx.store.putMetadata(target.bucket, target.key, metadata, etag);
}

function emitCreated(
  ctx: Ctx,
  eventName: string,
  target: { bucket: string; key: string },
  object: { size: number; eTag: string },
): void {
  const event: EmulatorEvent = {
    Records: [
      {
        eventTime: new Date().toISOString(),
        eventName,
        requestParameters: { sourceIPAddress: ctx.ip },
        s3: {
          bucket: { name: target.bucket },
          object: { key: target.key, size: object.size, eTag: object.eTag, sequencer: '' },
        },
      },
    ],
  };
  ctx.app.emit('event', event);
}

const objectUrl = (ctx: Ctx, target: { bucket: string; key: string }) =>
  `${ctx.protocol}://${ctx.host}/${target.bucket}/${target.key.split('/').map(encodeURIComponent).join('/')}`;

// ------------------------------------------------------------- PutObject --

const putObject: Handler = async (ctx, target, dirs) => {
  const { metadata } = new S3Object(target.bucket, target.key, null, ctx.headers);
  const body = await receive(ctx, dirs.incoming);
  await storeObject(ctx, target, body.path, metadata, body.md5);
  emitCreated(ctx, 'ObjectCreated:Put', target, { size: body.size, eTag: body.md5 });
  ctx.status = 200;
  ctx.set('ETag', `"${body.md5}"`);
  if (ctx.get('x-amz-checksum-sha256'))
    ctx.set('x-amz-checksum-sha256', body.sha256.toString('base64'));
  ctx.body = '';
};

// ------------------------------------------------------------- multipart --

type UploadRecord = { key: string; initiated: string; checksumAlgorithm?: string };

const uploadsDir = (ctx: Ctx, bucket: string) =>
  ctx.store.getResourcePath(bucket, undefined, 'uploads');

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(value));
  await rename(temporary, path);
}

/** The upload named by `?uploadId=`, which must be for this key. */
async function findUpload(ctx: Ctx, target: { bucket: string; key: string }) {
  const uploadId = ctx.query.uploadId;
  if (typeof uploadId !== 'string' || !/^[0-9a-f]{32}$/.test(uploadId))
    throw noSuchUpload(uploadId);
  const dir = join(uploadsDir(ctx, target.bucket), uploadId);
  const record = await readJson<UploadRecord>(join(dir, 'upload.json'));
  if (!record || record.key !== target.key) throw noSuchUpload(uploadId);
  return { uploadId, dir, record };
}

async function readParts(dir: string): Promise<Map<number, StoredPart>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const parts = new Map<number, StoredPart>();
  for (const name of names) {
    if (!/^\d+\.json$/.test(name)) continue;
    const part = await readJson<StoredPart>(join(dir, name));
    if (part) parts.set(part.partNumber, part);
  }
  return parts;
}

function integerParam(ctx: Ctx, name: string, fallback: number): number {
  const value = ctx.query[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value) || Number(value) > 2 ** 31 - 1)
    throw s3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: String(value),
    });
  return Number(value);
}

const stringParam = (ctx: Ctx, name: string) => {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
};

const createMultipartUpload: Handler = async (ctx, target) => {
  const { metadata } = new S3Object(target.bucket, target.key, null, ctx.headers);
  const algorithm = ctx.get('x-amz-checksum-algorithm').toUpperCase();
  if (algorithm && algorithm !== 'SHA256')
    throw s3Error(
      'NotImplemented',
      `The local S3 emulator verifies SHA256 checksums only, not ${algorithm}`,
    );
  const checksumType = ctx.get('x-amz-checksum-type').toUpperCase();
  if (checksumType && checksumType !== 'COMPOSITE')
    throw s3Error('NotImplemented', `The local S3 emulator has no ${checksumType} checksums`);
  const uploadId = randomBytes(16).toString('hex');
  const dir = join(uploadsDir(ctx, target.bucket), uploadId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'metadata'), JSON.stringify(metadata));
  const record: UploadRecord = {
    key: target.key,
    initiated: new Date().toISOString(),
    ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
  };
  await writeJsonAtomically(join(dir, 'upload.json'), record);
  if (algorithm) {
    ctx.set('x-amz-checksum-algorithm', algorithm);
    ctx.set('x-amz-checksum-type', 'COMPOSITE');
  }
  ctx.body = {
    InitiateMultipartUploadResult: {
      '@': { xmlns: XMLNS },
      Bucket: target.bucket,
      Key: target.key,
      UploadId: uploadId,
    },
  };
};

const uploadPart: Handler = async (ctx, target, dirs) => {
  const { uploadId, dir, record } = await findUpload(ctx, target);
  const partNumber = parsePartNumber(ctx.query.partNumber);
  if (partNumber === undefined)
    throw s3Error(
      'InvalidArgument',
      'Part number must be an integer between 1 and 10000, inclusive',
      {
        ArgumentName: 'partNumber',
        ArgumentValue: String(ctx.query.partNumber),
      },
    );
  const expected = record.checksumAlgorithm?.toLowerCase() ?? 'null';
  const actual = ctx.get('x-amz-checksum-sha256') ? 'sha256' : 'null';
  if (expected !== actual)
    throw s3Error(
      'InvalidRequest',
      `Checksum Type mismatch occurred, expected checksum Type: ${expected}, actual checksum Type: ${actual}`,
    );
  const body = await receive(ctx, dirs.incoming);
  const part: StoredPart = {
    partNumber,
    size: body.size,
    etag: body.md5,
    ...(actual === 'sha256' ? { checksumSha256: body.sha256.toString('base64') } : {}),
    lastModified: new Date().toISOString(),
  };
  try {
    await rename(body.path, join(dir, String(partNumber)));
    await writeJsonAtomically(join(dir, `${partNumber}.json`), part);
  } catch (error) {
    await rm(body.path, { force: true });
    // Aborted (or completed) while the part was on its way.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload(uploadId);
    throw error;
  }
  ctx.status = 200;
  ctx.set('ETag', `"${body.md5}"`);
  if (part.checksumSha256) ctx.set('x-amz-checksum-sha256', part.checksumSha256);
  ctx.body = '';
};

const listParts: Handler = async (ctx, target) => {
  const { uploadId, dir, record } = await findUpload(ctx, target);
  const maxParts = Math.min(integerParam(ctx, 'max-parts', 1000), 1000);
  const marker = integerParam(ctx, 'part-number-marker', 0);
  const after = [...(await readParts(dir)).values()]
    .filter((part) => part.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = after.slice(0, maxParts);
  ctx.body = {
    ListPartsResult: {
      '@': { xmlns: XMLNS },
      Bucket: target.bucket,
      Key: target.key,
      UploadId: uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? 0,
      MaxParts: maxParts,
      IsTruncated: after.length > page.length,
      Part: page.map((part) => ({
        PartNumber: part.partNumber,
        LastModified: part.lastModified,
        ETag: `"${part.etag}"`,
        Size: part.size,
        ...(part.checksumSha256 ? { ChecksumSHA256: part.checksumSha256 } : {}),
      })),
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      ...(record.checksumAlgorithm
        ? { ChecksumAlgorithm: record.checksumAlgorithm, ChecksumType: 'COMPOSITE' }
        : {}),
    },
  };
};

const abortMultipartUpload: Handler = async (ctx, target) => {
  const { dir } = await findUpload(ctx, target);
  await rm(dir, { recursive: true, force: true });
  ctx.status = 204;
};

const listMultipartUploads: Handler = async (ctx, target) => {
  const root = uploadsDir(ctx, target.bucket);
  const prefix = stringParam(ctx, 'prefix');
  const delimiter = stringParam(ctx, 'delimiter');
  const keyMarker = stringParam(ctx, 'key-marker');
  const uploadIdMarker = keyMarker ? stringParam(ctx, 'upload-id-marker') : '';
  const maxUploads = Math.min(integerParam(ctx, 'max-uploads', 1000), 1000);

  const uploads: Array<UploadRecord & { uploadId: string }> = [];
  for (const uploadId of await readdir(root).catch(() => [] as string[])) {
    const record = await readJson<UploadRecord>(join(root, uploadId, 'upload.json'));
    if (record?.key.startsWith(prefix)) uploads.push({ ...record, uploadId });
  }
  uploads.sort((a, b) =>
    a.key === b.key ? a.initiated.localeCompare(b.initiated) : a.key < b.key ? -1 : 1,
  );
  const entries: Array<{ upload: (typeof uploads)[number] } | { commonPrefix: string }> = [];
  const prefixes = new Set<string>();
  for (const upload of uploads) {
    const after =
      !keyMarker ||
      upload.key > keyMarker ||
      (upload.key === keyMarker && uploadIdMarker !== '' && upload.uploadId > uploadIdMarker);
    if (!after) continue;
    const cut = delimiter ? upload.key.indexOf(delimiter, prefix.length) : -1;
    if (cut === -1) {
      entries.push({ upload });
    } else {
      const commonPrefix = upload.key.slice(0, cut + delimiter.length);
      if (!prefixes.has(commonPrefix)) entries.push({ commonPrefix });
      prefixes.add(commonPrefix);
    }
  }
  const page = entries.slice(0, maxUploads);
  const last = page.at(-1);
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: XMLNS },
      Bucket: target.bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: last ? ('upload' in last ? last.upload.key : last.commonPrefix) : '',
      NextUploadIdMarker: last && 'upload' in last ? last.upload.uploadId : '',
      ...(delimiter ? { Delimiter: delimiter } : {}),
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: entries.length > page.length,
      Upload: page.flatMap((entry) =>
        'upload' in entry
          ? [
              {
                Key: entry.upload.key,
                UploadId: entry.upload.uploadId,
                Initiator: OWNER,
                Owner: OWNER,
                StorageClass: 'STANDARD',
                Initiated: entry.upload.initiated,
                ...(entry.upload.checksumAlgorithm
                  ? { ChecksumAlgorithm: entry.upload.checksumAlgorithm, ChecksumType: 'COMPOSITE' }
                  : {}),
              },
            ]
          : [],
      ),
      CommonPrefixes: page.flatMap((entry) =>
        'commonPrefix' in entry ? [{ Prefix: entry.commonPrefix }] : [],
      ),
    },
  };
};

const completeMultipartUpload: Handler = async (ctx, target, dirs) => {
  const { uploadId, dir, record } = await findUpload(ctx, target);
  const requested = parseCompleteBody(await readSmall(ctx.req, 4 * 1024 * 1024));
  if (!Array.isArray(requested)) throw fromRule(requested);
  const parts = checkCompleteParts(requested, await readParts(dir), {
    uploadId,
    checksumAlgorithm: record.checksumAlgorithm,
  });
  if (!Array.isArray(parts)) throw fromRule(parts);
  const metadata = (await readJson<object>(join(dir, 'metadata'))) ?? {};

  const assembled = join(dirs.incoming, randomBytes(16).toString('hex'));
  const out: WriteStream = createWriteStream(assembled);
  try {
    for (const part of parts)
      await pipeline(createReadStream(join(dir, String(part.partNumber))), out, { end: false });
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    await rm(assembled, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload(uploadId);
    throw error;
  }
  const etag = multipartEtag(parts);
  const size = parts.reduce((sum, part) => sum + part.size, 0);
  await storeObject(ctx, target, assembled, metadata, etag);
  await rm(dir, { recursive: true, force: true });
  emitCreated(ctx, 'ObjectCreated:CompleteMultipartUpload', target, { size, eTag: etag });
  ctx.body = {
    CompleteMultipartUploadResult: {
      '@': { xmlns: XMLNS },
      Location: objectUrl(ctx, target),
      Bucket: target.bucket,
      Key: target.key,
      ETag: `"${etag}"`,
      ...(record.checksumAlgorithm === 'SHA256'
        ? { ChecksumSHA256: compositeSha256(parts), ChecksumType: 'COMPOSITE' }
        : {}),
    },
  };
};

// ------------------------------------------------------------- form POST --

const secretFor = (accessKeyId: string) =>
  AWSAccount.registry.get(accessKeyId)?.accessKeys.get(accessKeyId);

const postObject: Handler = async (ctx, { bucket }, dirs) => {
  if (!ctx.is('multipart/form-data'))
    throw s3Error(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
      },
    );
  // Fields after the file are ignored, as S3 does.
  const fields = new Map<string, string>();
  let failure: Error | undefined;
  let file: (Received & { over: boolean; filename: string }) | undefined;
  let range: readonly [number, number] = [0, MAX_UPLOAD_SIZE];
  let files = 0;
  const spooling: Promise<void>[] = [];

  const onFile = (stream: Readable, filename: string) => {
    if (files++ > 0) return void stream.resume();
    const verdict = checkPostPolicy({ fields, bucket, now: new Date(), secretFor });
    if (!verdict.ok) {
      failure = s3Error(verdict.code, verdict.message, undefined, verdict.status);
      return void stream.resume();
    }
    const [min, max] = verdict.contentLengthRange ?? range;
    range = [min, Math.min(max, MAX_UPLOAD_SIZE)];
    spooling.push(
      spool(stream, dirs.incoming, range[1]).then(
        (received) => void (file = { ...received, filename }),
        (error: Error) => void (failure ??= error),
      ),
    );
  };
  const form = busboy({ headers: ctx.req.headers });
  form.on('field', (name, value) => {
    if (name.toLowerCase() === 'file' && files === 0)
      onFile(Readable.from([Buffer.from(value)]), '');
    else if (files === 0) fields.set(name.toLowerCase(), value);
  });
  form.on('file', (name, stream, info) => {
    if (name.toLowerCase() === 'file') onFile(stream, info.filename);
    else stream.resume();
  });
  try {
    await pipeline(ctx.req, form);
  } catch {
    failure ??= s3Error(
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
  }
  await Promise.all(spooling);

  const discard = async (error: Error) => {
    if (file) await rm(file.path, { force: true });
    return error;
  };
  if (failure) throw await discard(failure);
  if (!file)
    throw s3Error('InvalidArgument', 'POST requires exactly one file upload per request.', {
      ArgumentName: 'file',
      ArgumentValue: 0,
    });
  if (file.over)
    throw await discard(
      s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        ProposedSize: file.size,
        MaxSizeAllowed: range[1],
      }),
    );
  if (file.size < range[0])
    throw await discard(
      s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: file.size,
        MinSizeAllowed: range[0],
      }),
    );
  const checksum = fields.get('x-amz-checksum-sha256');
  if (checksum !== undefined && checksum !== file.sha256.toString('base64'))
    throw await discard(
      s3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.'),
    );
  const key = (fields.get('key') ?? '').replaceAll('${filename}', file.filename);
  if (!key)
    throw await discard(
      s3Error('InvalidArgument', "Bucket POST must contain a field named 'key'.", {
        ArgumentName: 'key',
        ArgumentValue: '',
      }),
    );

  const target = { bucket, key };
  const { metadata } = new S3Object(bucket, key, null, Object.fromEntries(fields));
  await storeObject(ctx, target, file.path, metadata, file.md5);
  emitCreated(ctx, 'ObjectCreated:Post', target, { size: file.size, eTag: file.md5 });

  const location = objectUrl(ctx, target);
  ctx.set('ETag', `"${file.md5}"`);
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  const redirectUrl = redirect && URL.canParse(redirect) ? new URL(redirect) : undefined;
  if (redirectUrl) {
    redirectUrl.searchParams.set('bucket', bucket);
    redirectUrl.searchParams.set('key', key);
    redirectUrl.searchParams.set('etag', `"${file.md5}"`);
    ctx.set('Location', redirectUrl.href);
    ctx.status = 303;
    return;
  }
  ctx.set('Location', location);
  const status = fields.get('success_action_status');
  if (status === '201') {
    ctx.status = 201;
    ctx.body = {
      PostResponse: { Location: location, Bucket: bucket, Key: key, ETag: `"${file.md5}"` },
    };
  } else {
    ctx.status = status === '200' ? 200 : 204;
  }
};
