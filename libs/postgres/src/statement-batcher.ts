type Waiting<Call, Result> = {
  call: Call;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
};

type BatchWork<Call, Result> = {
  one: (call: Call) => Promise<Result>;
  /** The results in the calls' order. */
  many: (calls: Call[]) => Promise<Result[]>;
  maxBatch: number;
};

/**
 * Gathers calls into batches with no timer: with nothing in flight a call
 * goes at once, alone (an idle caller waits for nothing); calls that arrive
 * while statements are in flight wait for them, then go together, one batch
 * per `maxBatch`. A batch that fails as a whole (one row's bad reference, a
 * deadlock) is retried one call at a time, so one bad call fails only its own
 * caller.
 */
export class StatementBatcher<Call, Result> {
  readonly #waiting: Waiting<Call, Result>[] = [];
  #draining = false;
  readonly #work: BatchWork<Call, Result>;

  constructor(work: BatchWork<Call, Result>) {
    this.#work = work;
  }

  run(call: Call): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ call, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#waiting.length > 0) {
      const taken = this.#waiting.splice(0);
      const { maxBatch } = this.#work;
      const batches = Array.from({ length: Math.ceil(taken.length / maxBatch) }, (_, i) =>
        taken.slice(i * maxBatch, (i + 1) * maxBatch),
      );
      await Promise.all(batches.map((batch) => this.#send(batch)));
    }
    this.#draining = false;
  }

  async #send(batch: Waiting<Call, Result>[]): Promise<void> {
    if (batch.length > 1) {
      const results = await this.#work.many(batch.map(({ call }) => call)).catch(() => undefined);
      if (results) {
        batch.forEach(({ resolve }, i) => resolve(results[i] as Result));
        return;
      }
    }
    for (const { call, resolve, reject } of batch) {
      await this.#work.one(call).then(resolve, reject);
    }
  }
}
