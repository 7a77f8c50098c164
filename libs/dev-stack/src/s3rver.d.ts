declare module '@20minutes/s3rver' {
  import type { EventEmitter } from 'node:events';

  type BucketConfig = { name: string; configs: Array<string | Buffer> };
  type S3rverOptions = {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    vhostBuckets?: boolean;
    configureBuckets?: BucketConfig[];
  };

  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
