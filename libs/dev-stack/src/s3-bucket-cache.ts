/** The bucket-level lookups of s3rver's filesystem store that every request makes. */
export type BucketLookups = {
  getBucket(bucket: string): Promise<unknown>;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putBucket(bucket: string): Promise<unknown>;
  deleteBucket(bucket: string): Promise<unknown>;
  putSubresource(
    bucket: string,
    key: string | undefined,
    resource: { type: string },
  ): Promise<unknown>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  reset(): unknown;
};

/**
 * Holds bucket lookups in memory. s3rver answers each request by stat-ing the
 * bucket's folder and reading and parsing its website and CORS XML again
 * (a quarter of the emulator's CPU per small upload); the emulator is their
 * only writer, so every change goes through the store and clears what it
 * touched. Object-level subresources are not held.
 */
export function cacheBucketLookups(store: BucketLookups): void {
  const buckets = new Map<string, Promise<unknown>>();
  const configs = new Map<string, Promise<unknown>>();
  const configKey = (bucket: string, type: string) => `${bucket}\u0000${type}`;
  const forget = (bucket: string) => {
    buckets.delete(bucket);
    for (const key of configs.keys()) if (key.startsWith(`${bucket}\u0000`)) configs.delete(key);
  };
  const remembered = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
      // A failed lookup is not remembered.
      value.catch(() => cache.delete(key));
    }
    return value;
  };
  const {
    getBucket,
    getSubresource,
    putBucket,
    deleteBucket,
    putSubresource,
    deleteSubresource,
    reset,
  } = bindAll(store);
  Object.assign(store, {
    getBucket: (bucket: string) => remembered(buckets, bucket, () => getBucket(bucket)),
    getSubresource: (bucket: string, key: string | undefined, type: string) =>
      key === undefined
        ? remembered(configs, configKey(bucket, type), () => getSubresource(bucket, key, type))
        : getSubresource(bucket, key, type),
    putBucket: (bucket: string) => putBucket(bucket).finally(() => forget(bucket)),
    deleteBucket: (bucket: string) => deleteBucket(bucket).finally(() => forget(bucket)),
    putSubresource: (bucket: string, key: string | undefined, resource: { type: string }) =>
      putSubresource(bucket, key, resource).finally(() => forget(bucket)),
    deleteSubresource: (bucket: string, key: string | undefined, type: string) =>
      deleteSubresource(bucket, key, type).finally(() => forget(bucket)),
    reset: () => {
      buckets.clear();
      configs.clear();
      return reset();
    },
  } satisfies BucketLookups);
}

function bindAll(store: BucketLookups): BucketLookups {
  return {
    getBucket: store.getBucket.bind(store),
    getSubresource: store.getSubresource.bind(store),
    putBucket: store.putBucket.bind(store),
    deleteBucket: store.deleteBucket.bind(store),
    putSubresource: store.putSubresource.bind(store),
    deleteSubresource: store.deleteSubresource.bind(store),
    reset: store.reset.bind(store),
  };
}
