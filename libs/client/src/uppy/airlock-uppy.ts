import {
  BasePlugin,
  type Body,
  type Meta,
  type PluginOpts,
  type Uppy,
  type UppyFile,
} from '@uppy/core';
import type { Authorization, UploadStatus } from '../api.ts';
import type { PollPolicy } from '../follow.ts';
import {
  AirlockClient,
  type ClientOptions,
  type UploadOptions,
  type UploadTask,
} from '../upload.ts';
import {
  isTerminal,
  progressStep,
  refusalOf,
  stateMessage,
  uppyErrorOf,
  type ClientProgress,
} from './mapping.ts';

export type AirlockUppyOptions = PluginOpts & {
  /** The Airlock API's base URL, e.g. `https://uploads.example.com`. */
  readonly endpoint?: string;
  /**
   * An upload token (`ut_…`) your backend minted with its API key, or a
   * function giving the current one (called before each API request).
   */
  readonly token?: string | (() => string | Promise<string>);
  /** Instead of `endpoint` and `token`: a client of your own. */
  readonly client?: AirlockClient;
  /** More client options (another fetch, the retry policy) when the plugin builds the client. */
  readonly clientOptions?: Omit<ClientOptions, 'baseUrl' | 'authorization'>;
  /** The site to upload to: implied by a token, required with an API key. */
  readonly siteId?: string;
  /**
   * Ask for a multipart upload (parts sent in parallel, each retried alone)
   * for files of at least 5 MiB; above the API's threshold (100 MiB by
   * default) every upload is multipart anyway. Same name as `@uppy/aws-s3`'s.
   */
  readonly shouldUseMultipart?: boolean | ((file: UppyFile<Meta, Body>) => boolean);
  /** Files sending at once (default 3); each multipart file sends `concurrency` parts at once. */
  readonly limit?: number;
  readonly concurrency?: number;
  /**
   * `ready` (default): a file succeeds only once verified, scanned and
   * processed; rejected and quarantined files are errors. `stored`: success
   * as soon as the store holds the bytes (follow the state yourself).
   */
  readonly waitFor?: 'ready' | 'stored';
  /**
   * How the upload's state is polled while the workers check it (the
   * client's `follow()`: 500 ms growing to 5 s; `timeoutMs` default 30 min,
   * after which the file shows an error).
   */
  readonly poll?: Partial<PollPolicy>;
};

declare module '@uppy/core/utils' {
  // Merged with Uppy's own declaration: same type parameters, unused here.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  export interface LocalUppyFile<M extends Meta, B extends Body> {
    /** Set by the Airlock plugin once the upload exists (after hashing). */
    airlock?: { readonly uploadId: string };
  }
}

/** What `upload-success` carries in `response.body`: the upload as the API last described it. */
export type AirlockBody = Body & UploadStatus & { readonly duplicate: boolean };

type Required<O, K extends keyof O> = O & { [P in K]-?: NonNullable<O[P]> };
type Opts = Required<AirlockUppyOptions, 'limit' | 'waitFor'>;

const DEFAULTS = {
  limit: 3,
  waitFor: 'ready',
} as const;

/** S3's smallest part: the API plans no multipart upload below it. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

const bearer = (token: string) => (/^bearer /i.test(token) ? token : `Bearer ${token}`);

/** A FIFO of at most `limit` running tasks. */
function limiter(limit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/**
 * Uppy uploader for Airlock: use it instead of `@uppy/aws-s3`.
 *
 * For each file: hashes it (Uppy's preprocessing), asks Airlock for the
 * upload with that SHA-256, sends it (one PUT, or parts in parallel for
 * large files, Uppy's upload progress), then follows its state while the
 * workers verify and scan it (Uppy's postprocessing). `upload-success` is
 * emitted only at `ready`; a refusal by the API (too large, wrong type) or a
 * rejected or quarantined file is an `upload-error`, shown by Uppy's UI.
 */
export class AirlockUppy<M extends Meta, B extends Body> extends BasePlugin<Opts, M, B> {
  static VERSION = '0.1.0';
  readonly #client: AirlockClient;
  readonly #running = new Map<string, AbortController>();
  #limit: ReturnType<typeof limiter>;

  constructor(uppy: Uppy<M, B>, options: AirlockUppyOptions) {
    super(uppy, { ...DEFAULTS, ...options } as Opts);
    this.id = this.opts.id ?? 'Airlock';
    this.type = 'uploader';
    this.#limit = limiter(Math.max(1, Math.floor(this.opts.limit)));
    if (options.client) this.#client = options.client;
    else {
      const { endpoint, token } = options;
      if (!endpoint || !token)
        throw new TypeError('Airlock for Uppy needs `endpoint` and `token` (or a `client`)');
      const authorization: Authorization =
        typeof token === 'string' ? bearer(token) : async () => bearer(await token());
      this.#client = new AirlockClient({
        ...options.clientOptions,
        baseUrl: endpoint,
        authorization,
      });
    }
  }

  /** The client the plugin uploads with (to read an upload's state or renditions yourself). */
  get client(): AirlockClient {
    return this.#client;
  }

  override install(): void {
    const { capabilities } = this.uppy.getState();
    // Cancelling is per file (the upload expires as `cancelled`); no pause.
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: false } });
    this.uppy.addUploader(this.#upload);
    this.uppy.on('file-removed', this.#onFileRemoved);
    this.uppy.on('cancel-all', this.#onCancelAll);
  }

  override uninstall(): void {
    this.uppy.removeUploader(this.#upload);
    this.uppy.off('file-removed', this.#onFileRemoved);
    this.uppy.off('cancel-all', this.#onCancelAll);
    this.#onCancelAll();
  }

  #onFileRemoved = (file: UppyFile<M, B> | undefined) => {
    if (file) this.#running.get(file.id)?.abort(new DOMException('File removed', 'AbortError'));
  };

  #onCancelAll = () => {
    for (const controller of this.#running.values())
      controller.abort(new DOMException('Upload cancelled', 'AbortError'));
  };

  #upload = async (fileIDs: string[]): Promise<void> => {
    const files = this.uppy
      .getFilesByIds(fileIDs)
      .filter((file) => !file.error && !file.progress.uploadComplete);
    // Each file resolves when it is ready or failed; only sending takes a slot.
    await Promise.allSettled(files.map((file) => this.#uploadFile(file)));
  };

  async #uploadFile(file: UppyFile<M, B>): Promise<void> {
    if (file.isRemote || !file.data || !(file.data instanceof Blob)) {
      this.uppy.emit(
        'upload-error',
        file,
        uppyErrorOf(new Error('Only local files can be sent to Airlock')),
      );
      return;
    }
    const data = file.data;
    const controller = new AbortController();
    this.#running.set(file.id, controller);
    const { signal } = controller;
    const current = () => this.uppy.getFile(file.id) as UppyFile<M, B> | undefined;
    let uploadId: string | undefined;
    try {
      const result = await this.#limit(async () => {
        signal.throwIfAborted();
        let sending = false;
        const started: { task?: UploadTask } = {};
        const startSending = () => {
          if (sending) return;
          sending = true;
          const now = current();
          if (!now) return;
          if (now.progress.preprocess) this.uppy.emit('preprocess-complete', now);
          this.uppy.emit('upload-start', [now]);
          // The upload exists once bytes go out: its id, to follow or cancel it elsewhere.
          const id = started.task?.uploadId();
          if (id) this.uppy.setFileState(file.id, { airlock: { uploadId: id } });
        };
        this.uppy.emit('preprocess-progress', file, {
          mode: 'determinate',
          message: 'Hashing',
          value: 0,
        });
        const options = {
          fileName: file.name ?? 'file',
          contentType: file.type || 'application/octet-stream',
          ...(this.opts.siteId ? { siteId: this.opts.siteId } : {}),
          ...(this.opts.concurrency ? { concurrency: this.opts.concurrency } : {}),
          ...(this.#multipart(file) ? { multipart: true } : {}),
          signal,
          cancelOnAbort: true,
          onProgress: (progress: ClientProgress) => {
            const now = current();
            if (!now) return;
            const step = progressStep(progress);
            if (step.kind === 'hashing') {
              this.uppy.emit('preprocess-progress', now, {
                mode: 'determinate',
                message: 'Hashing',
                value: step.value,
              });
              return;
            }
            startSending();
            this.uppy.emit('upload-progress', current() ?? now, {
              uploadStarted: current()?.progress.uploadStarted ?? Date.now(),
              bytesUploaded: step.bytesUploaded,
              bytesTotal: step.bytesTotal,
            });
          },
        } as UploadOptions;
        const task = this.#client.startUpload(data, options);
        started.task = task;
        try {
          return await task.done;
        } finally {
          uploadId = task.uploadId();
          startSending();
        }
      });
      uploadId = result.uploadId;
      const stored: UploadStatus = {
        uploadId: result.uploadId,
        key: result.key,
        state: result.state,
      };
      if (this.opts.waitFor === 'stored') return this.#succeed(file.id, stored, result.duplicate);
      const status = await this.#follow(
        file.id,
        result.uploadId,
        signal,
        result.inProgress ? result.retryAfterMs : undefined,
      );
      const refusal = refusalOf(status);
      if (refusal) this.#fail(file.id, refusal);
      else this.#succeed(file.id, status, result.duplicate);
    } catch (error) {
      // A removed file or cancelled batch: nothing to report (the upload was cancelled at the API).
      if (signal.aborted) return;
      this.#fail(file.id, uppyErrorOf(error, uploadId));
    } finally {
      this.#running.delete(file.id);
    }
  }

  #multipart(file: UppyFile<M, B>): boolean {
    const { shouldUseMultipart } = this.opts;
    const wanted =
      typeof shouldUseMultipart === 'function'
        ? shouldUseMultipart(file as unknown as UppyFile<Meta, Body>)
        : shouldUseMultipart === true;
    return wanted && (file.size ?? 0) >= MIN_PART_BYTES;
  }

  /**
   * Follows the upload to its terminal state (the client's `follow()`), the
   * file shown as uploaded and each state as Uppy's postprocessing meanwhile.
   */
  async #follow(
    fileId: string,
    uploadId: string,
    signal: AbortSignal,
    firstDelayMs: number | undefined,
  ): Promise<UploadStatus> {
    const file = this.uppy.getFile(fileId);
    if (!file) throw new DOMException('File removed', 'AbortError');
    // The bytes are stored: the upload itself is done, the workers' checks are not.
    this.uppy.setFileState(fileId, {
      progress: {
        ...file.progress,
        uploadComplete: true,
        percentage: 100,
        bytesUploaded: file.progress.bytesTotal ?? file.size ?? 0,
      },
    } as Partial<UppyFile<M, B>>);
    const show = (state: string) => {
      const now = this.uppy.getFile(fileId);
      if (now && !isTerminal(state))
        this.uppy.emit('postprocess-progress', now, {
          mode: 'indeterminate',
          message: stateMessage(state),
        });
    };
    show('pending');
    return this.#client.follow(uploadId, {
      signal,
      onState: (upload) => show(upload.state),
      ...(this.opts.poll ? { poll: this.opts.poll } : {}),
      ...(firstDelayMs ? { firstDelayMs } : {}),
    });
  }

  #succeed(fileId: string, status: UploadStatus, duplicate: boolean) {
    const file = this.uppy.getFile(fileId);
    if (!file) return;
    const body = { ...status, duplicate } as unknown as B;
    // A short-lived signed link to the verified original, when the API gave one (ready only).
    const downloads = status.downloads as { original?: { url?: unknown } } | undefined;
    const url = downloads?.original?.url;
    this.uppy.emit('upload-success', file, {
      status: 200,
      body,
      ...(typeof url === 'string' ? { uploadURL: url } : {}),
    });
  }

  #fail(fileId: string, error: Error) {
    const file = this.uppy.getFile(fileId);
    if (!file) return;
    // Not complete: Uppy's retry sends it again (a refusal answers the same way).
    const { postprocess: _gone, ...progress } = file.progress;
    this.uppy.setFileState(fileId, {
      progress: { ...progress, uploadComplete: false },
    } as Partial<UppyFile<M, B>>);
    this.uppy.emit('upload-error', this.uppy.getFile(fileId), error);
  }
}

export default AirlockUppy;
