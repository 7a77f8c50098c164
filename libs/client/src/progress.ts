/**
 * Where an upload is:
 * - `hashing`: the file's SHA-256 is computed (it is declared before anything is sent);
 * - `uploading`: bytes go to the store;
 * - `completing`: the parts are assembled;
 * - `processing`: the store holds the file; the pipeline verifies, scans and processes it
 *   (only when following the upload to its terminal state);
 * - `done`.
 */
export type UploadPhase = 'hashing' | 'uploading' | 'completing' | 'processing' | 'done';

/** A snapshot handed to `onProgress`. Every byte count is of the file, between 0 and `totalBytes`. */
export type UploadProgress = {
  readonly phase: UploadPhase;
  /** Bytes of the file hashed so far. */
  readonly bytesHashed: number;
  /**
   * Bytes sent so far, requests in flight included (XMLHttpRequest's upload
   * progress in browsers; per finished part where only `fetch` exists, as in
   * Node). Goes back when a failed request is retried.
   */
  readonly bytesSent: number;
  /** Bytes the store has confirmed (parts it already held on resume included). */
  readonly bytesConfirmed: number;
  readonly totalBytes: number;
  readonly partsDone: number;
  readonly partCount: number;
};

/**
 * The byte accounting behind `onProgress`: hashed bytes, bytes in flight per
 * request (a retry starts its part over), confirmed parts. Pure: no I/O.
 */
export class ProgressLedger {
  readonly totalBytes: number;
  partCount = 1;
  #hashed = 0;
  #confirmed = 0;
  #partsDone = 0;
  readonly #inFlight = new Map<number, number>();

  constructor(totalBytes: number) {
    this.totalBytes = totalBytes;
  }

  /** `bytes` of the file are hashed (a running total). */
  hashed(bytes: number): void {
    this.#hashed = clamp(bytes, 0, this.totalBytes);
  }

  /** The request carrying part `partNumber` (`size` bytes) has sent `loaded` of them. */
  sending(partNumber: number, loaded: number, size: number): void {
    this.#inFlight.set(partNumber, clamp(loaded, 0, size));
  }

  /** The part's request failed: what it had sent no longer counts. */
  failed(partNumber: number): void {
    this.#inFlight.delete(partNumber);
  }

  /** The store holds the part (sent now, or found there on resume). */
  confirmed(partNumber: number, size: number): void {
    this.#inFlight.delete(partNumber);
    this.#confirmed = Math.min(this.totalBytes, this.#confirmed + size);
    this.#partsDone += 1;
  }

  /** Everything the store held is to be checked again (it lost a part): start the count over. */
  restart(): void {
    this.#inFlight.clear();
    this.#confirmed = 0;
    this.#partsDone = 0;
  }

  /** Nothing needs sending (a duplicate, or content already on its way): all confirmed. */
  complete(): void {
    this.#hashed = this.totalBytes;
    this.#inFlight.clear();
    this.#confirmed = this.totalBytes;
    this.#partsDone = this.partCount;
  }

  snapshot(phase: UploadPhase): UploadProgress {
    let inFlight = 0;
    for (const loaded of this.#inFlight.values()) inFlight += loaded;
    return {
      phase,
      bytesHashed: this.#hashed,
      bytesSent: Math.min(this.totalBytes, this.#confirmed + inFlight),
      bytesConfirmed: this.#confirmed,
      totalBytes: this.totalBytes,
      partsDone: this.#partsDone,
      partCount: this.partCount,
    };
  }
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
