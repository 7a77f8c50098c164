import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { describeObjectStoreContract } from '@airlock/core/testing';
import { createS3Client, S3ObjectStore } from '../src/index.ts';

// core's ObjectStore suite (also run on InMemoryObjectStore) against the
// stack's S3 emulator, in a bucket of its own that no S3 event reaches.

const s3 = createS3Client({
  region: process.env.AWS_REGION!,
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
});
const bucket = `contract-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const { Key } of Contents) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
});

describeObjectStoreContract('S3 (emulator)', () => ({
  objects: new S3ObjectStore({ s3 }),
  bucket,
}));
