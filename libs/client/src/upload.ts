import {
  AirlockApi,
  type ApiOptions,
  type Authorization,
  type CancelledUpload,
  type CreateUploadRequest,
  type MultipartPlan,
  type PartUrl,
  type PresignedPut,
  type Upload,
  type UploadStatus,
} from './api.ts';
import { AirlockApiError, AirlockStorageError, AirlockTimeoutError } from './errors.ts';
import {
  DEFAULT_POLL,
  inProgressOf,
  isTerminalState,
  pollDelay,
  type PollPolicy,
  type TerminalState,
} from './follow.ts';
import { hashFile } from './hash-in-worker.ts';
import type { HashWorkerSource } from './hash-protocol.ts';
import { sha256OfPart, type Sha256Engine } from './hashing.ts';
import { batches, partsToSend, planParts, type PlannedPart } from './part-plan.ts';
import { ProgressLedger, type UploadPhase, type UploadProgress } from './progress.ts';
import { decideRetry, DEFAULT_RETRY, type AttemptOutcome, type RetryPolicy } from './retry.ts';
import { sleep } from './sleep.ts';
import { defaultTransport, type PutTransport } from './transport.ts';

export type { UploadPhase, UploadProgress };

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
  /**
   * Called once the upload's id is known (created, or named by the API as a
   * duplicate or as content on its way), before any byte is sent: e.g. to
   * record it and cancel it if the page goes away.
   */
  readonly onCreated?: (uploadId: string) => void;
};

export type UploadResult = {
  readonly uploadId: string;
  readonly key: string;
  /** The upload's state as the API last answered (`pending` until the store's event arrives). */
  readonly state: string;
  /** The same content was already verified for this customer: nothing was sent. */
  readonly duplicate: boolean;
  /**
   * The same content is already on its way in upload `uploadId` (the API
   * answered 409 `upload_in_progress`): nothing was sent; follow that upload.
   */
  readonly inProgress: boolean;
  /** With `inProgress`: how long the API suggests waiting before polling the upload (its `Retry-After`). */
  readonly retryAfterMs?: number;
  readonly method: 'PUT' | 'MULTIPART' | 'NONE';
  readonly partsSent: number;
  readonly partsHeld: number;
};

export type UploadTask = {
  readonly done: Promise<UploadResult>;
  /** The upload's id once the API created it. */
  readonly uploadId: () => string | undefined;
  /** Stops sending and cancels the upload at the API (`expired`, reason `cancelled`). */
  readonly cancel: () => Promise<CancelledUpload | undefined>;
};

export type ClientOptions = ApiOptions & {
  /**
   * Hash files in a Web Worker (browsers): the URL of the bundled
   * `@airlock/client/hash-worker` script, or a factory starting it. Without it
   * (or where `Worker` does not exist, as in Node) files are hashed on the
   * calling thread, a chunk at a time.
   */
  readonly hashWorker?: HashWorkerSource;
  /** `wasm` (hash-wasm, the default; @noble/hashes where WebAssembly cannot start) or `js`. */
  readonly sha256Engine?: Sha256Engine;
  /**
   * How bytes are PUT to the store: by default the given `fetch` if any, else
   * XMLHttpRequest where it exists (upload progress), else `fetch`.
   */
  readonly transport?: PutTransport;
};

/** Options of `uploadAndWait` (and of the standalone `upload`). */
export type UploadAndWaitOptions = Omit<UploadOptions, 'fileName' | 'contentType'> & {
  /** Defaults to the File's `name` (`upload` for a bare Blob). */
  readonly fileName?: string;
  /** Defaults to the File's `type` (`application/octet-stream` when the browser has none). */
  readonly contentType?: string;
  /** Called with the upload each time it was polled in a new state. */
  readonly onState?: (upload: Upload) => void;
  /** How the upload's state is polled (defaults: `DEFAULT_POLL`). */
  readonly poll?: Partial<PollPolicy>;
};

/** What `uploadAndWait` (and `upload`) resolve with: the upload in its terminal state. */
export type UploadOutcome = UploadResult & {
  readonly state: TerminalState;
  /** Why it was rejected, quarantined or expired; `null` when `ready`. */
  readonly reason: string | null;
  /** The last `GET /v1/uploads/:id` answer: renditions, downloads, history. */
  readonly upload: Upload;
};

const cancelled = () => new DOMException('The upload was cancelled', 'AbortError');

/**
 * Uploads files to Airlock from a browser or Node: a `Blob` (in Node,
 * `fs.openAsBlob(path)`), read a slice at a time, never whole in memory.
 */
export class AirlockClient {
  readonly api: AirlockApi;
  readonly #transport: PutTransport;
  readonly #hashWorker: HashWorkerSource | undefined;
  readonly #engine: Sha256Engine | undefined;

  constructor(options: ClientOptions) {
    this.api = new AirlockApi(options);
    this.#transport = options.transport ?? defaultTransport(options.fetch);
    this.#hashWorker = options.hashWorker;
    this.#engine = options.sha256Engine;
  }

  /** Uploads `file` and resolves once the store holds it (verification follows asynchronously). */
  upload(file: Blob, options: UploadOptions): Promise<UploadResult> {
    return this.startUpload(file, options).done;
  }

  /**
   * Uploads `file` and follows it to its terminal state: hashes it (in the
   * hash worker when configured), asks for the upload, sends the bytes
   * (single PUT or parts), then polls `GET /v1/uploads/:id` with backoff
   * until it is `ready`, `rejected`, `quarantined` or `expired`. A duplicate
   * (nothing sent) or content already on its way (409 `upload_in_progress`)
   * is followed the same way. Aborting `signal` rejects with its reason and,
   * unless `cancelOnAbort: false`, cancels a pending upload at the API.
   * A refusal of the file itself (413 too large, 415 type) rejects with an
   * `AirlockApiError`; a verdict on its content (`rejected`, `quarantined`)
   * resolves: check `state`.
   */
  async uploadAndWait(file: Blob, options: UploadAndWaitOptions): Promise<UploadOutcome> {
    const { onState, poll, fileName, contentType, ...rest } = options;
    const named = file as Partial<File>;
    const { onProgress } = options;
    const task = this.startUpload(file, {
      cancelOnAbort: true,
      ...rest,
      // The store holding the file is not the end here: `processing` follows, then `done`.
      ...(onProgress
        ? { onProgress: (p: UploadProgress) => void (p.phase !== 'done' && onProgress(p)) }
        : {}),
      fileName: fileName ?? (named.name || 'upload'),
      contentType: contentType || named.type || 'application/octet-stream',
    });
    const result = await task.done;
    const report = (phase: UploadPhase) => {
      const ledger = new ProgressLedger(file.size);
      ledger.partCount = Math.max(1, result.partsSent + result.partsHeld);
      ledger.complete();
      onProgress?.(ledger.snapshot(phase));
    };
    report('processing');
    const final = await this.follow(result.uploadId, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(poll ? { poll } : {}),
      ...(onState ? { onState } : {}),
      ...(result.inProgress ? { firstDelayMs: result.retryAfterMs } : {}),
    });
    report('done');
    return {
      ...result,
      key: final.key,
      state: final.state as TerminalState,
      reason: final.reason,
      upload: final,
    };
  }

  /**
   * Polls `GET /v1/uploads/:id` with backoff (`poll`) until the upload is in
   * a terminal state, and resolves with it. Transient API failures are
   * retried; past `poll.timeoutMs` it rejects with an `AirlockTimeoutError`.
   */
  async follow(
    uploadId: string,
    options: {
      readonly signal?: AbortSignal;
      readonly poll?: Partial<PollPolicy>;
      readonly onState?: (upload: Upload) => void;
      /** Wait this long before the first look (e.g. the 409's `Retry-After`). */
      readonly firstDelayMs?: number;
    } = {},
  ): Promise<Upload> {
    const policy: PollPolicy = { ...DEFAULT_POLL, ...options.poll };
    const deadline = Date.now() + policy.timeoutMs;
    if (options.firstDelayMs) await sleep(options.firstDelayMs, options.signal);
    let seen: string | undefined;
    for (let poll = 1; ; poll += 1) {
      const upload = await this.api.getUpload(uploadId, options.signal);
      if (upload.state !== seen) {
        seen = upload.state;
        options.onState?.(upload);
      }
      if (isTerminalState(upload.state)) return upload;
      if (Date.now() >= deadline)
        throw new AirlockTimeoutError(uploadId, upload.state, policy.timeoutMs);
      await sleep(
        Math.min(pollDelay(poll, policy), Math.max(0, deadline - Date.now())),
        options.signal,
      );
    }
  }

  startUpload(file: Blob, options: UploadOptions): UploadTask {
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const run = new UploadRun(
      this.api,
      this.#transport,
      { hashWorker: this.#hashWorker, engine: this.#engine },
      file,
      options,
      signal,
    );
    let cancelling: Promise<CancelledUpload | undefined> | undefined;
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

type Hashing = {
  readonly hashWorker: HashWorkerSource | undefined;
  readonly engine: Sha256Engine | undefined;
};

class UploadRun {
  uploadId: string | undefined;
  /** Settles with the upload's id once creation is decided (undefined when it never was). */
  readonly created: Promise<string | undefined>;
  #settleCreated!: (id: string | undefined) => void;
  readonly #retry: RetryPolicy;
  readonly #ledger: ProgressLedger;
  #partsSent = 0;
  #partsHeld = 0;

  readonly api: AirlockApi;
  readonly transport: PutTransport;
  readonly hashing: Hashing;
  readonly file: Blob;
  readonly options: UploadOptions;
  readonly signal: AbortSignal;

  constructor(
    api: AirlockApi,
    transport: PutTransport,
    hashing: Hashing,
    file: Blob,
    options: UploadOptions,
    signal: AbortSignal,
  ) {
    this.api = api;
    this.transport = transport;
    this.hashing = hashing;
    this.file = file;
    this.options = options;
    this.signal = signal;
    this.created = new Promise((resolve) => (this.#settleCreated = resolve));
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#ledger = new ProgressLedger(file.size);
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
      this.#ledger.hashed(this.file.size);
      return this.#multipart(resume);
    }

    this.#progress('hashing');
    const sha256 =
      this.options.sha256 ??
      (await hashFile(this.file, this.hashing.hashWorker, {
        signal: this.signal,
        ...(this.hashing.engine ? { engine: this.hashing.engine } : {}),
        onBytes: (hashed) => {
          this.#ledger.hashed(hashed);
          this.#progress('hashing');
        },
      }));
    this.#ledger.hashed(this.file.size);
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
      onCreated: _created,
      ...request
    } = this.options;
    let created;
    try {
      created = await this.api.createUpload(
        { ...request, size: this.file.size, sha256 },
        this.signal,
      );
    } catch (error) {
      // The same content is on its way (parts completed, or being verified): not a failure.
      const inProgress = inProgressOf(error);
      if (!inProgress) throw error;
      this.uploadId = inProgress.uploadId;
      this.#settleCreated(inProgress.uploadId);
      this.options.onCreated?.(inProgress.uploadId);
      this.#ledger.complete();
      this.#progress('done');
      return {
        ...this.#result(
          { uploadId: inProgress.uploadId, key: '', state: 'pending' },
          false,
          'NONE',
        ),
        inProgress: true,
        ...(inProgress.retryAfterSeconds !== undefined
          ? { retryAfterMs: inProgress.retryAfterSeconds * 1000 }
          : {}),
      };
    }
    this.uploadId = created.uploadId;
    this.#settleCreated(created.uploadId);
    this.options.onCreated?.(created.uploadId);
    if ('duplicate' in created) {
      this.#ledger.complete();
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
      this.#progress('uploading');
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
    this.#ledger.partCount = plan.length;
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
          inProgress: false,
          method: 'MULTIPART',
          partsSent: this.#partsSent,
          partsHeld: this.#partsHeld,
        };
      } catch (error) {
        // The store lost a part it had listed (or a part was replaced): send what it misses.
        const missing = error instanceof AirlockApiError && error.code === 'parts_missing';
        if (!missing || round >= COMPLETE_ROUNDS) throw error;
        for (const part of plan) settled.delete(part.partNumber);
        this.#ledger.restart();
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
        const response = await this.transport({
          url: url.url,
          headers: url.headers,
          body: this.file.slice(part.start, part.end),
          signal,
          onUploadProgress: (loaded) => {
            this.#ledger.sending(part.partNumber, loaded, part.size);
            this.#progress('uploading');
          },
        });
        if (response.status >= 200 && response.status < 300) return attempt;
        outcome = { kind: 'status', status: response.status, body: response.body };
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof DOMException && error.name === 'AbortError') throw error;
        outcome = { kind: 'network' };
      }
      this.#ledger.failed(part.partNumber);
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
    this.#ledger.confirmed(event.partNumber, event.size);
    this.options.onPart?.(event);
  }

  #progress(phase: UploadPhase) {
    this.options.onProgress?.(this.#ledger.snapshot(phase));
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
      inProgress: false,
      method,
      partsSent: this.#partsSent,
      partsHeld: this.#partsHeld,
    };
  }
}

/** Options of the standalone `upload`: where and as whom, then `uploadAndWait`'s options. */
export type UploadFileOptions = UploadAndWaitOptions &
  Omit<ClientOptions, 'baseUrl' | 'authorization'> & {
    /** The Airlock API's base URL, e.g. `https://uploads.example.com`. */
    readonly apiUrl: string;
    /**
     * An upload token minted by your backend (`mintUploadToken`), or a
     * function returning one (called before each request, and again with
     * `{ refused: true }` after a 401, so it can fetch a fresh token).
     * Sent as `Authorization: Bearer <token>`.
     */
    readonly token?:
      string | ((context: { readonly refused: boolean }) => string | Promise<string>);
    /** The whole `Authorization` value instead of `token` (e.g. `Bearer <API key>` on a server). */
    readonly authorization?: Authorization;
  };

/**
 * Uploads one file and resolves with its terminal state (`ready`,
 * `rejected`, `quarantined` or `expired`): `new AirlockClient(…).uploadAndWait`
 * in one call. In a browser, pass `hashWorker` so hashing runs off the page's
 * thread.
 *
 * ```ts
 * const { token, siteId } = await (await fetch('/upload-token', { method: 'POST' })).json();
 * const outcome = await upload(input.files[0], { apiUrl, token, siteId, hashWorker: '/airlock-hash-worker.js',
 *   onProgress: (p) => bar.value = p.bytesSent / p.totalBytes });
 * ```
 */
export async function upload(file: Blob, options: UploadFileOptions): Promise<UploadOutcome> {
  const {
    apiUrl,
    token,
    authorization,
    fetch,
    retry,
    hashWorker,
    sha256Engine,
    transport,
    ...rest
  } = options;
  const bearer: Authorization | undefined =
    token === undefined
      ? authorization
      : typeof token === 'function'
        ? async (context) => `Bearer ${await token(context)}`
        : `Bearer ${token}`;
  if (bearer === undefined) throw new TypeError('upload needs a `token` or an `authorization`');
  const client = new AirlockClient({
    baseUrl: apiUrl,
    authorization: bearer,
    ...(fetch ? { fetch } : {}),
    ...(retry ? { retry } : {}),
    ...(hashWorker ? { hashWorker } : {}),
    ...(sha256Engine ? { sha256Engine } : {}),
    ...(transport ? { transport } : {}),
  });
  return client.uploadAndWait(file, { ...rest, ...(retry ? { retry } : {}) });
}
