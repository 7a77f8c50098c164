import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ObjectRef, ObjectStore } from '../workers/worker.ports.ts';
import { portContract } from './upload-world.ts';

export type ObjectStoreSubject = {
  readonly objects: ObjectStore;
  /** A bucket the suite may write in. */
  readonly bucket: string;
};

async function read(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const BYTES = Buffer.from('%PDF-1.7 contract bytes\n');
const hex = (algorithm: 'md5' | 'sha256', bytes: Buffer) =>
  createHash(algorithm).update(bytes).digest('hex');

/** The behaviour every {@link ObjectStore} shares: a missing object is an answer, not an error. */
export const describeObjectStoreContract = portContract<ObjectStoreSubject>(
  'ObjectStore',
  (subject) => {
    const ref = (): ObjectRef => ({ bucket: subject().bucket, key: `contract/${randomUUID()}` });

    async function stored(bytes = BYTES) {
      const object = ref();
      await subject().objects.put({ ...object, contentType: 'application/pdf', body: bytes });
      return object;
    }

    it('answers a missing object with undefined or false, never an error', async () => {
      const { objects } = subject();
      const missing = ref();
      await expect(objects.open(missing)).resolves.toBeUndefined();
      await expect(objects.tags(missing)).resolves.toBeUndefined();
      await expect(objects.tag(missing, { a: 'b' })).resolves.toBe(false);
      await expect(objects.move(missing, ref(), {})).resolves.toBe(false);
      await expect(objects.delete(missing)).resolves.toBeUndefined();
    });

    it('opens what was put: bytes, size, type and an unquoted MD5 eTag', async () => {
      const object = await stored();
      const opened = (await subject().objects.open(object))!;
      expect(opened).toMatchObject({ size: BYTES.length, eTag: hex('md5', BYTES) });
      expect(opened.headers.contentType).toBe('application/pdf');
      await expect(read(opened.body)).resolves.toEqual(BYTES);
    });

    it('hashes the body once it was read to its end, when asked', async () => {
      const object = await stored();
      const opened = (await subject().objects.open(object, { sha256: true }))!;
      expect(opened.sha256()).toBeUndefined();
      await read(opened.body);
      expect(opened.sha256()).toBe(hex('sha256', BYTES));
      const plain = (await subject().objects.open(object))!;
      await read(plain.body);
      expect(plain.sha256()).toBeUndefined();
    });

    it('overwrites on a second put', async () => {
      const object = await stored();
      const other = Buffer.from('other bytes');
      await subject().objects.put({ ...object, contentType: 'text/plain', body: other });
      const opened = (await subject().objects.open(object))!;
      expect(opened.headers.contentType).toBe('text/plain');
      await expect(read(opened.body)).resolves.toEqual(other);
    });

    it('moves the bytes with the given metadata, once; the source is gone', async () => {
      const { objects } = subject();
      const from = await stored();
      const to = ref();
      await expect(objects.move(from, to, { reason: 'infected' })).resolves.toBe(true);
      await expect(objects.open(from)).resolves.toBeUndefined();
      const moved = (await objects.open(to))!;
      expect(moved.headers.userMetadata).toEqual({ reason: 'infected' });
      await expect(read(moved.body)).resolves.toEqual(BYTES);
      await expect(objects.move(from, to, { reason: 'again' })).resolves.toBe(false);
    });

    it('replaces the tags as a whole', async () => {
      const { objects } = subject();
      const object = await stored();
      await expect(objects.tags(object)).resolves.toEqual({});
      await expect(objects.tag(object, { scan: 'clean', engine: 'clamav' })).resolves.toBe(true);
      await expect(objects.tag(object, { scan: 'infected' })).resolves.toBe(true);
      await expect(objects.tags(object)).resolves.toEqual({ scan: 'infected' });
    });

    it('deletes', async () => {
      const object = await stored();
      await subject().objects.delete(object);
      await expect(subject().objects.open(object)).resolves.toBeUndefined();
    });
  },
);
