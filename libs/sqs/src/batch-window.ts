/** SQS takes at most ten entries per batch request. */
export const MAX_BATCH_ENTRIES = 10;

/** One batch request: a result or an error per item, in the items' order; never rejects. */
export type SendBatch<Item, Result> = (items: Item[]) => Promise<Array<Result | Error>>;

/**
 * Gathers items for a batch request (SendMessageBatch, DeleteMessageBatch):
 * an item waits at most `lingerMs` for others, and a full batch goes at once.
 * Each `add` settles with its own item's outcome.
 */
export class BatchWindow<Item, Result> {
  readonly #send: SendBatch<Item, Result>;
  readonly #lingerMs: number;
  #waiting: Array<{ item: Item; settle: PromiseWithResolvers<Result> }> = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(send: SendBatch<Item, Result>, options: { lingerMs: number }) {
    this.#send = send;
    this.#lingerMs = options.lingerMs;
  }

  add(item: Item): Promise<Result> {
    const settle = Promise.withResolvers<Result>();
    this.#waiting.push({ item, settle });
    if (this.#waiting.length >= MAX_BATCH_ENTRIES || this.#lingerMs === 0) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#lingerMs);
    return settle.promise;
  }

  /** Sends what is waiting now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, MAX_BATCH_ENTRIES);
      const sent = this.#dispatch(batch);
      this.#inFlight.add(sent);
      void sent.finally(() => this.#inFlight.delete(sent));
    }
  }

  /** Sends what is waiting and waits for every batch sent so far. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.#inFlight]);
  }

  async #dispatch(batch: Array<{ item: Item; settle: PromiseWithResolvers<Result> }>) {
    let results: Array<Result | Error>;
    try {
      results = await this.#send(batch.map(({ item }) => item));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      results = batch.map(() => failure);
    }
    batch.forEach(({ settle }, index) => {
      // `index in results`, not `??`: a void result (a delete) is undefined and a success.
      const result =
        index in results
          ? results[index]!
          : new Error('the batch request answered nothing for this entry');
      if (result instanceof Error) settle.reject(result);
      else settle.resolve(result);
    });
  }
}

/** An SQS batch answer as one outcome per entry, entries having been sent with Id = their index. */
export function outcomesById<Entry extends { Id?: string | undefined }, Result>(
  count: number,
  answer: {
    Successful?: Entry[] | undefined;
    Failed?:
      | Array<{ Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }>
      | undefined;
  },
  result: (entry: Entry) => Result | Error,
): Array<Result | Error> {
  const outcomes: Array<Result | Error> = Array.from(
    { length: count },
    () => new Error('the batch request answered nothing for this entry'),
  );
  for (const entry of answer.Successful ?? []) outcomes[Number(entry.Id)] = result(entry);
  for (const entry of answer.Failed ?? [])
    outcomes[Number(entry.Id)] = new Error(`${entry.Code ?? 'failed'}: ${entry.Message ?? ''}`);
  return outcomes;
}
