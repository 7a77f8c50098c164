import type { Upload } from '../uploads/upload.types.ts';
import type { UploadState } from '../upload-state.ts';

/*
 * What the contract suites need besides the port under test: a way to put an
 * upload in a given state (as earlier moves would have left it) and to read
 * back what the port wrote beside it (the audit trail, the webhook outbox).
 * Each backend (the in-memory fakes, PostgreSQL) implements it once.
 */

export type SeedUpload = {
  readonly state?: UploadState;
  readonly bucket?: string;
  readonly key?: string;
  /** Who issued its URL (default `api-key`): a key, a browser upload token, or nobody on record. */
  readonly issuer?: 'api-key' | 'token' | 'none';
  /** Whether its customer has a webhook endpoint (default: no). */
  readonly webhookEndpoint?: boolean;
  /**
   * Another upload of that upload's customer and bytes (the same SHA-256),
   * through an upload token of its own, as a browser sends the same file again.
   */
  readonly sameBytesAs?: Upload;
};

/** One move in the audit trail. */
export type RecordedMove = {
  readonly from: UploadState;
  readonly to: UploadState;
  readonly reason: string | null;
  readonly actor: string;
  readonly detail: Record<string, unknown> | null;
};

export type QueuedDelivery = { readonly id: string; readonly state: UploadState };

export interface UploadWorld {
  /** A new upload of a new customer, in `state` (default `pending`). */
  seed(upload?: SeedUpload): Promise<Upload>;
  /** Revokes whatever issued the upload's URL (its API key or upload token). */
  revokeIssuer(uploadId: string): Promise<void>;
  /** The moves recorded since the upload was seeded, oldest first. */
  moves(uploadId: string): Promise<RecordedMove[]>;
  /** The webhook deliveries queued for the upload, oldest first. */
  deliveries(uploadId: string): Promise<QueuedDelivery[]>;
  /** Removes the customer's webhook endpoint. */
  removeEndpoint(customerId: string): Promise<void>;
}

/**
 * A port's suite as a function of its subject: `describe…Contract(name, setup)`
 * runs `tests` with `setup`'s subject, made anew before each test.
 */
export function portContract<S>(
  port: string,
  tests: (subject: () => S) => void,
): (name: string, setup: () => S | Promise<S>) => void {
  return (name, setup) =>
    describe(`${port} contract: ${name}`, () => {
      let current: S | undefined;
      beforeEach(async () => {
        current = await setup();
      });
      tests(() => {
        if (current === undefined) throw new Error('used outside a test');
        return current;
      });
    });
}
