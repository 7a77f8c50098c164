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
    /** Koa's middleware list, composed when the server starts listening. */
    middleware: Array<(ctx: never, next: () => Promise<void>) => Promise<void> | void>;
    /** Where buckets, objects and bucket configurations live. */
    store: {
      deleteSubresource(bucket: string, key: undefined, type: 'cors'): Promise<void>;
    };
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

// The internals the emulator's extensions (s3-emulator.ts) reuse.
declare module '@20minutes/s3rver/lib/models/error.js' {
  export default class S3Error extends Error {
    constructor(code: string, message?: string, detail?: Record<string, string | number>);
    code: string;
    status: number;
    expose: boolean;
  }
}

declare module '@20minutes/s3rver/lib/middleware/authentication.js' {
  const authentication: () => (ctx: never, next: () => Promise<void>) => Promise<void>;
  export default authentication;
}

declare module '@20minutes/s3rver/lib/models/account.js' {
  const AWSAccount: { registry: Map<string, { accessKeys: Map<string, string> }> };
  export default AWSAccount;
}

declare module '@20minutes/s3rver/lib/models/object.js' {
  export default class S3Object {
    constructor(bucket: string, key: string, content: null, metadata: Record<string, unknown>);
    metadata: Record<string, string>;
  }
}

declare module '@20minutes/s3rver/lib/signature/v4.js' {
  export function aws4SignatureBodyParser(ctx: never): void;
}

declare module 'busboy' {
  import type { IncomingHttpHeaders } from 'node:http';
  import type { Readable, Writable } from 'node:stream';

  type FileInfo = { filename: string; encoding: string; mimeType: string };
  interface Busboy extends Writable {
    on(event: 'field', listener: (name: string, value: string) => void): this;
    on(event: 'file', listener: (name: string, stream: Readable, info: FileInfo) => void): this;
    on(event: 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export default function busboy(options: { headers: IncomingHttpHeaders }): Busboy;
}

declare module '@20minutes/s3rver/lib/models/config.js' {
  /** A bucket's CORS configuration as s3rver validates and stores it. */
  export class S3CorsConfiguration {
    static validate(xml: string): S3CorsConfiguration;
    rawConfig: unknown;
  }
}
