import {
  AirlockApi,
  type ApiOptions,
  type CreateUploadRequest,
  type MultipartPlan,
  type PartUrl,
  type PresignedPut,
  type UploadStatus,
} from './api.ts';
import { AirlockApiError, AirlockStorageError } from './errors.ts';
import { sha256OfBlob, sha256OfPart } from './hashing.ts';
import { batches, partsToSend, planParts, type PlannedPart } from './part-plan.ts';
import { decideRetry, DEFAULT_RETRY, type AttemptOutcome, type RetryPolicy } from './retry.ts';
import { sleep } from './sleep.ts';

/** The most part URLs one `POST /v1/uploads/:id/parts` may ask for. */
export const MAX_URL_BATCH = 100;
export const DEFAULT_CONCURRENCY = 4;
/** A URL this close to its expiry is renewed before sending, not after a refusal. */
const URL_RENEW_MARGIN_MS = 30_000;
/** `complete` answered parts_missing (the store lost a part): list and send again this often. */
const COMPLETE_ROUNDS = 3;

/** What a multipart upload needs to resume in another process or page: keep it (e.g. localStorage). */
export type UploadSession = {
  readonly uploadId: string;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  readonly partSize: number;
  readonly partCount: number;
  readonly expiresAt: string;
};

export type UploadProgress = {
  readonly phase: 'hashing' | 'uploading' | 'completing' | 'done';
  /** Bytes of the file hashed so far (the whole-file SHA-256 is declared before anything is sent). */
  readonly bytesHashed: number;
  /** Bytes the store has confirmed (parts it already held on resume included). */
  readonly bytesConfirmed: number;
  readonly totalBytes: number;
  readonly partsDone: number;
  readonly partCount: number;
};

/** One part settled: `sent` by this run, or `held` (already in the store, skipped). */
export type PartEvent = {
  readonly partNumber: number;
  readonly size: number;
  readonly outcome: 'sent' | 'held';
  /** Requests this run made for the part (0 when held). */
  readonly attempts: number;
};

export type UploadOptions = Omit<CreateUploadRequest, 'size' | 'sha256'> & {
  /** The file's SHA-256 (hex) when the caller already has it; hashed here otherwise. */
  readonly sha256?: string;
  /** Parts sent at once (default 4). */
  readonly concurrency?: number;
  /** Part URLs asked per request (default and most 100). */
  readonly urlBatchSize?: number;
  readonly retry?: RetryPolicy;
  /** Stops the upload; with `cancelOnAbort` the upload is also cancelled at the API. */
  readonly signal?: AbortSignal;
  readonly cancelOnAbort?: boolean;
  /** Resume a multipart upload begun earlier (in this or another process) instead of starting one. */
  readonly resume?: UploadSession;
  readonly onProgress?: (progress: UploadProgress) => void;
  readonly onPart?: (event: PartEvent) => void;
  /** Called once a multipart upload exists: persist it to resume after a crash or reload. */
  readonly onSession?: (session: UploadSession) => void;
};

export type UploadResult = {
  readonly uploadId: string;
  readonly key: string;
  /** The upload's state as the API last answered (`pending` until the store's event arrives). */
  readonly state: string;
  /** The same content was already verified for this customer: nothing was sent. */
  readonly duplicate: boolean;
  readonly method: 'PUT' | 'MULTIPART' | 'NONE';
  readonly partsSent: number;
  readonly partsHeld: number;
};

export type UploadTask = {
  readonly done: Promise<UploadResult>;
  /** The upload's id once the API created it. */
  readonly uploadId: () => string | undefined;
  /** Stops sending and cancels the upload at the API (`expired`, reason `cancelled`). */
  readonly cancel: () => Promise<UploadStatus | undefined>;
};

export type ClientOptions = ApiOptions;

const cancelled = () => new DOMException('The upload was cancelled', 'AbortError');

/**
 * Uploads files to Airlock from a browser or Node: a `Blob` (in Node,
 * `fs.openAsBlob(path)`), read a slice at a time, never whole in memory.
 */
export class AirlockClient {
  readonly api: AirlockApi;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.api = new AirlockApi(options);
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Uploads `file` and resolves once the store holds it (verification follows asynchronously). */
  upload(file: Blob, options: UploadOptions): Promise<UploadResult> {
    return this.startUpload(file, options).done;
  }

  startUpload(file: Blob, options: UploadOptions): UploadTask {
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const run = new UploadRun(this.api, this.#fetch, file, options, signal);
    let cancelling: Promise<UploadStatus | undefined> | undefined;
    const cancelAtApi = () => {
      cancelling ??= run.created.then((id) => (id ? this.api.cancel(id) : undefined));
      return cancelling;
    };
    const done = run.execute().catch(async (error: unknown) => {
      if (signal.aborted && options.cancelOnAbort) await cancelAtApi().catch(() => undefined);
      throw error;
    });
    return {
      done,
      uploadId: () => run.uploadId,
      cancel: async () => {
        stop.abort(cancelled());
        await done.catch(() => undefined);
        return cancelAtApi();
      },
    };
  }

  /** Polls `GET /v1/uploads/:id` until the upload reaches one of `states`. */
  async waitForState(
    uploadId: string,
    states: readonly string[],
    options: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<UploadStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    for (;;) {
      const status = await this.api.getUpload(uploadId, options.signal);
      if (states.includes(status.state)) return status;
      if (Date.now() > deadline)
        throw new Error(`upload ${uploadId} is ${status.state}, not ${states.join('/')}`);
      await sleep(options.intervalMs ?? 500, options.signal);
    }
  }
}

class UploadRun {
  uploadId: string | undefined;
  /** Settles with the upload's id once creation is decided (undefined when it never was). */
  readonly created: Promise<string | undefined>;
  #settleCreated!: (id: string | undefined) => void;
  readonly #retry: RetryPolicy;
  #bytesHashed = 0;
  #bytesConfirmed = 0;
  #partsDone = 0;
  #partCount = 1;
  #partsSent = 0;
  #partsHeld = 0;

  readonly api: AirlockApi;
  readonly fetch: typeof globalThis.fetch;
  readonly file: Blob;
  readonly options: UploadOptions;
  readonly signal: AbortSignal;

  constructor(
    api: AirlockApi,
    fetchImpl: typeof globalThis.fetch,
    file: Blob,
    options: UploadOptions,
    signal: AbortSignal,
  ) {
    this.api = api;
    this.fetch = fetchImpl;
    this.file = file;
    this.options = options;
    this.signal = signal;
    this.created = new Promise((resolve) => (this.#settleCreated = resolve));
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  async execute(): Promise<UploadResult> {
    try {
      return await this.#execute();
    } finally {
      this.#settleCreated(this.uploadId);
    }
  }

  async #execute(): Promise<UploadResult> {
    const { resume } = this.options;
    if (resume) {
      if (resume.size !== this.file.size)
        throw new RangeError(`the file has ${this.file.size} bytes, the session ${resume.size}`);
      this.uploadId = resume.uploadId;
      this.#settleCreated(resume.uploadId);
      this.#bytesHashed = this.file.size;
      return this.#multipart(resume);
    }

    const sha256 =
      this.options.sha256 ??
      (await sha256OfBlob(this.file, {
        signal: this.signal,
        onBytes: (hashed) => {
          this.#bytesHashed = hashed;
          this.#progress('hashing');
        },
      }));
    this.#bytesHashed = this.file.size;
    const {
      sha256: _given,
      concurrency: _c,
      urlBatchSize: _u,
      retry: _r,
      signal: _s,
      cancelOnAbort: _a,
      resume: _resume,
      onProgress: _p,
      onPart: _o,
      onSession: _session,
      ...request
    } = this.options;
    const created = await this.api.createUpload(
      { ...request, size: this.file.size, sha256 },
      this.signal,
    );
    this.uploadId = created.uploadId;
    this.#settleCreated(created.uploadId);
    if ('duplicate' in created) {
      this.#bytesConfirmed = this.file.size;
      this.#partsDone = this.#partCount;
      this.#progress('done');
      return this.#result(created, true, 'NONE');
    }
    const upload = created.upload;
    if (upload.method === 'PUT') {
      const put = upload as PresignedPut;
      await this.#send(
        { partNumber: 1, start: 0, end: this.file.size, size: this.file.size },
        put,
        undefined,
      );
      this.#partsSent = 1;
      this.#partConfirmed({ partNumber: 1, size: this.file.size, outcome: 'sent', attempts: 1 });
      this.#progress('done');
      return this.#result(created, false, 'PUT');
    }
    if (upload.method === 'MULTIPART') {
      const plan = upload as MultipartPlan;
      const session: UploadSession = {
        uploadId: created.uploadId,
        key: created.key,
        size: this.file.size,
        sha256,
        partSize: plan.partSize,
        partCount: plan.partCount,
        expiresAt: plan.expiresAt,
      };
      this.options.onSession?.(session);
      return this.#multipart(session);
    }
    throw new Error(`unsupported upload method ${upload.method}`);
  }

  async #multipart(session: UploadSession): Promise<UploadResult> {
    const plan = planParts(this.file.size, session.partSize, session.partCount);
    this.#partCount = plan.length;
    const hashes = new Map<number, string>();
    let settled = new Set<number>();
    for (let round = 1; ; round += 1) {
      const held = await this.api.listParts(session.uploadId, this.signal);
      const { send, kept } = partsToSend(plan, held);
      // Counted once: parts sent by this run that the store lists on a later round are not "held".
      for (const part of kept) {
        if (settled.has(part.partNumber)) continue;
        this.#partsHeld += 1;
        this.#partConfirmed({ ...part, outcome: 'held', attempts: 0 });
      }
      settled = new Set(kept.map((part) => part.partNumber));
      this.#progress('uploading');
      await this.#sendParts(session.uploadId, send, hashes);
      for (const part of send) settled.add(part.partNumber);

      this.#progress('completing');
      try {
        const answer = await this.api.complete(session.uploadId, this.signal);
        this.#progress('done');
        return {
          uploadId: session.uploadId,
          key: session.key,
          state: typeof answer.state === 'string' ? answer.state : 'pending',
          duplicate: answer.duplicate === true,
          method: 'MULTIPART',
          partsSent: this.#partsSent,
          partsHeld: this.#partsHeld,
        };
      } catch (error) {
        // The store lost a part it had listed (or a part was replaced): send what it misses.
        const missing = error instanceof AirlockApiError && error.code === 'parts_missing';
        if (!missing || round >= COMPLETE_ROUNDS) throw error;
        for (const part of plan) settled.delete(part.partNumber);
        this.#bytesConfirmed = 0;
        this.#partsDone = 0;
      }
    }
  }

  async #sendParts(uploadId: string, parts: PlannedPart[], hashes: Map<number, string>) {
    if (parts.length === 0) return;
    const batchSize = Math.min(this.options.urlBatchSize ?? MAX_URL_BATCH, MAX_URL_BATCH);
    const groups = batches(parts, batchSize);
    const urls = new Map<number, Promise<PartUrl>>();

    const hashOf = async (part: PlannedPart) => {
      let hash = hashes.get(part.partNumber);
      if (!hash) {
        hash = await sha256OfPart(this.file.slice(part.start, part.end), this.signal);
        hashes.set(part.partNumber, hash);
      }
      return hash;
    };
    const fetchUrls = (group: PlannedPart[]) => {
      const request = (async () => {
        const described = [];
        for (const part of group)
          described.push({
            partNumber: part.partNumber,
            size: part.size,
            sha256: await hashOf(part),
          });
        const answer = await this.api.partUrls(uploadId, described, this.signal);
        return new Map(answer.map((url) => [url.partNumber, url]));
      })();
      request.catch(() => undefined); // awaited by the workers; never an unhandled rejection
      for (const part of group)
        urls.set(
          part.partNumber,
          request.then((found) => {
            const url = found.get(part.partNumber);
            if (!url) throw new Error(`the API gave no URL for part ${part.partNumber}`);
            return url;
          }),
        );
      for (const part of group) urls.get(part.partNumber)!.catch(() => undefined);
    };
    const renew = async (part: PlannedPart) => {
      const [url] = await this.api.partUrls(
        uploadId,
        [{ partNumber: part.partNumber, size: part.size, sha256: await hashOf(part) }],
        this.signal,
      );
      if (!url) throw new Error(`the API gave no URL for part ${part.partNumber}`);
      return url;
    };

    // Workers take parts in order; the next batch's hashes and URLs are
    // fetched while the current batch is halfway sent.
    const stopped = new AbortController();
    const signal = AbortSignal.any([this.signal, stopped.signal]);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!failure && next < parts.length) {
        const index = next;
        next += 1;
        const part = parts[index]!;
        const group = Math.floor(index / batchSize);
        if (!urls.has(part.partNumber)) fetchUrls(groups[group]!);
        const ahead = groups[group + 1];
        if (ahead && index % batchSize >= batchSize / 2 && !urls.has(ahead[0]!.partNumber))
          fetchUrls(ahead);
        try {
          const url = await urls.get(part.partNumber)!;
          const attempts = await this.#send(part, url, () => renew(part), signal);
          this.#partsSent += 1;
          this.#partConfirmed({
            partNumber: part.partNumber,
            size: part.size,
            outcome: 'sent',
            attempts,
          });
          this.#progress('uploading');
        } catch (error) {
          failure ??= { error };
          stopped.abort(error);
        }
      }
    };
    const concurrency = Math.max(1, Math.floor(this.options.concurrency ?? DEFAULT_CONCURRENCY));
    await Promise.all(Array.from({ length: Math.min(concurrency, parts.length) }, worker));
    if (failure) throw this.signal.aborted ? this.signal.reason : failure.error;
  }

  /**
   * PUTs one part (or the whole file) with exactly the signed headers,
   * retrying transient failures with backoff and renewing an expired URL.
   * Resolves with the number of requests it took.
   */
  async #send(
    part: PlannedPart,
    first: PartUrl | PresignedPut,
    renew: (() => Promise<PartUrl>) | undefined,
    signal: AbortSignal = this.signal,
  ): Promise<number> {
    let url: PartUrl | PresignedPut = first;
    for (let attempt = 1; ; attempt += 1) {
      signal.throwIfAborted();
      if (renew && Date.parse(url.expiresAt) - Date.now() < URL_RENEW_MARGIN_MS)
        url = await renew();
      let outcome: AttemptOutcome;
      try {
        const response = await this.fetch(url.url, {
          method: 'PUT',
          headers: url.headers,
          body: this.file.slice(part.start, part.end),
          signal,
        });
        const body = await response.text();
        if (response.ok) return attempt;
        outcome = { kind: 'status', status: response.status, body };
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof DOMException && error.name === 'AbortError') throw error;
        outcome = { kind: 'network' };
      }
      const decision = decideRetry(outcome, attempt, this.#retry, {
        urlExpiresAt: new Date(url.expiresAt),
      });
      const status = outcome.kind === 'status' ? outcome.status : undefined;
      if (decision.action === 'fail' || (decision.action === 'renew-url' && !renew))
        throw new AirlockStorageError(
          `part ${part.partNumber}: ${decision.action === 'fail' ? decision.reason : 'the URL expired'}`,
          status,
          part.partNumber,
        );
      if (decision.action === 'renew-url') url = await renew!();
      else await sleep(decision.delayMs, signal);
    }
  }

  #partConfirmed(event: PartEvent) {
    this.#bytesConfirmed += event.size;
    this.#partsDone += 1;
    this.options.onPart?.(event);
  }

  #progress(phase: UploadProgress['phase']) {
    this.options.onProgress?.({
      phase,
      bytesHashed: this.#bytesHashed,
      bytesConfirmed: this.#bytesConfirmed,
      totalBytes: this.file.size,
      partsDone: this.#partsDone,
      partCount: this.#partCount,
    });
  }

  #result(
    created: { uploadId: string; key: string; state: string },
    duplicate: boolean,
    method: UploadResult['method'],
  ): UploadResult {
    return {
      uploadId: created.uploadId,
      key: created.key,
      state: created.state,
      duplicate,
      method,
      partsSent: this.#partsSent,
      partsHeld: this.#partsHeld,
    };
  }
}
