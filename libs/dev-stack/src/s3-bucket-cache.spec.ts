import { cacheBucketLookups, type BucketLookups } from './s3-bucket-cache.ts';

/** A store that counts its reads and whose answers the test sets. */
function countingStore() {
  const reads: string[] = [];
  const configs = new Map<string, string>();
  let failNext = false;
  const store: BucketLookups = {
    getBucket: async (bucket) => (reads.push(`bucket ${bucket}`), { name: bucket }),
    getSubresource: async (bucket, key, type) => {
      reads.push(`${type} ${bucket}/${key ?? ''}`);
      if (failNext) {
        failNext = false;
        throw new Error('EIO');
      }
      return configs.get(`${bucket} ${type}`) ?? null;
    },
    putBucket: async () => {},
    deleteBucket: async () => {},
    putSubresource: async (bucket, _key, resource) =>
      void configs.set(`${bucket} ${resource.type}`, 'v2'),
    deleteSubresource: async (bucket, _key, type) => void configs.delete(`${bucket} ${type}`),
    reset: () => {},
  };
  cacheBucketLookups(store);
  return { store, reads, configs, failOnce: () => (failNext = true) };
}

describe('cacheBucketLookups', () => {
  it('reads a bucket and its bucket-level configuration once', async () => {
    const { store, reads } = countingStore();
    for (let i = 0; i < 3; i++) {
      await store.getBucket('uploads');
      await store.getSubresource('uploads', undefined, 'cors');
    }
    expect(reads).toEqual(['bucket uploads', 'cors uploads/']);
  });

  it('never holds an object-level subresource', async () => {
    const { store, reads } = countingStore();
    await store.getSubresource('uploads', 'a/key', 'cors');
    await store.getSubresource('uploads', 'a/key', 'cors');
    expect(reads).toHaveLength(2);
  });

  it('forgets a bucket whose configuration or existence changes through the store', async () => {
    const { store, reads, configs } = countingStore();
    configs.set('uploads cors', 'v1');
    expect(await store.getSubresource('uploads', undefined, 'cors')).toBe('v1');
    await store.putSubresource('uploads', undefined, { type: 'cors' });
    expect(await store.getSubresource('uploads', undefined, 'cors')).toBe('v2');
    await store.deleteSubresource('uploads', undefined, 'cors');
    expect(await store.getSubresource('uploads', undefined, 'cors')).toBeNull();
    await store.getBucket('uploads');
    await store.deleteBucket('uploads');
    await store.getBucket('uploads');
    expect(reads.filter((read) => read.startsWith('bucket'))).toHaveLength(2);
  });

  it('keeps other buckets and does not remember a failed read', async () => {
    const { store, reads, failOnce } = countingStore();
    await store.getSubresource('media', undefined, 'website');
    failOnce();
    await expect(store.getSubresource('uploads', undefined, 'cors')).rejects.toThrow('EIO');
    await store.putSubresource('uploads', undefined, { type: 'cors' });
    await store.getSubresource('uploads', undefined, 'cors');
    await store.getSubresource('media', undefined, 'website');
    expect(reads).toEqual(['website media/', 'cors uploads/', 'cors uploads/']);
  });
});
