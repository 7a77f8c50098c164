import type { IncrementResponse, Store } from 'express-rate-limit';

/** Where the budget is shared: PgRateLimitLeases in production. */
export type BudgetLeases = {
  /** Grants min(ask, what is left of `limit` in the window) and says what all processes hold. */
  lease(
    key: string,
    windowStart: Date,
    ask: number,
    limit: number,
  ): Promise<{ readonly granted: number; readonly leased: number }>;
  deleteWindowsBefore(before: Date): Promise<number>;
};

export type LeaseOutcome = 'granted' | 'exhausted' | 'failed';

export type SharedBudgetOptions = {
  /** Requests per key per window, all processes together. */
  readonly limit: number;
  readonly windowMs: number;
  /** The most one lease asks for. @defaultValue {@link maxLeaseFor}(limit) */
  readonly maxLease?: number;
  readonly now?: () => number;
  /** Every lease's outcome (a metric). */
  readonly onLease?: (outcome: LeaseOutcome) => void;
  /** A lease or a sweep that failed (PostgreSQL unreachable). */
  readonly onError?: (error: unknown) => void;
};

/**
 * A lease takes at most 5 % of the limit: with N processes at most
 * (N − 1) × this many requests can be refused while other processes still
 * hold unspent leases (30 of 600 per process).
 */
export const maxLeaseFor = (limit: number): number => Math.max(1, Math.ceil(limit / 20));

type KeyBudget = {
  readonly windowStart: number;
  /** Leased to this process and not spent yet. */
  tokens: number;
  /** Handed out to every process in the window, as of this process's last lease. */
  leased: number;
  /** Admitted here in the window. */
  spent: number;
  /** The next lease's size: doubles while leases are spent, carried to the next window. */
  ask: number;
  /** Requests waiting here for a lease: a burst leases for all of them at once. */
  waiting: number;
  /** Nothing more to lease in this window. */
  exhausted: boolean;
  pending: Promise<void> | undefined;
};

/**
 * An express-rate-limit store whose budget holds across API processes without
 * a database round trip per request: each process leases a slice of a key's
 * window from PostgreSQL, spends it in memory and leases again when it runs
 * out. Every process together admits at most `limit` per key per window
 * (windows aligned to the clock, so all processes share them). The RateLimit
 * header's `remaining` counts other processes' unspent leases as used: it
 * never promises more than there is.
 *
 * PostgreSQL unreachable: fails open to a per-process budget (what the
 * in-memory store gave) for the rest of the window, so an outage costs at most
 * N × limit per window, never an unlimited API and never a 500 from here.
 */
export class SharedBudgetStore implements Store {
  readonly localKeys = false;
  readonly #leases: BudgetLeases;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxLease: number;
  readonly #now: () => number;
  readonly #onLease: (outcome: LeaseOutcome) => void;
  readonly #onError: (error: unknown) => void;
  readonly #budgets = new Map<string, KeyBudget>();
  #currentWindow = Number.NEGATIVE_INFINITY;

  constructor(leases: BudgetLeases, options: SharedBudgetOptions) {
    this.#leases = leases;
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#maxLease = options.maxLease ?? maxLeaseFor(options.limit);
    this.#now = options.now ?? Date.now;
    this.#onLease = options.onLease ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  async increment(key: string): Promise<IncrementResponse> {
    const now = this.#now();
    const windowStart = now - (now % this.#windowMs);
    const budget = this.#budgetFor(key, windowStart);
    const resetTime = new Date(windowStart + this.#windowMs);
    budget.waiting += 1;
    try {
      while (budget.tokens === 0 && !budget.exhausted) {
        budget.pending ??= this.#lease(key, budget).finally(() => {
          budget.pending = undefined;
        });
        await budget.pending;
      }
    } finally {
      budget.waiting -= 1;
    }
    if (budget.tokens === 0) return { totalHits: this.#limit + 1, resetTime };
    budget.tokens -= 1;
    budget.spent += 1;
    return { totalHits: Math.max(1, budget.leased - budget.tokens), resetTime };
  }

  /** A request not to be counted after all (express-rate-limit's skip options): back to this process's lease. */
  decrement(key: string): void {
    const budget = this.#budgets.get(key);
    if (!budget || budget.spent === 0) return;
    budget.spent -= 1;
    budget.tokens += 1;
  }

  /** Forgets this process's lease of the key; what was leased stays spent in the window. */
  resetKey(key: string): void {
    this.#budgets.delete(key);
  }

  resetAll(): void {
    this.#budgets.clear();
  }

  async #lease(key: string, budget: KeyBudget): Promise<void> {
    const ask = Math.min(this.#maxLease, Math.max(budget.ask, budget.waiting));
    try {
      const { granted, leased } = await this.#leases.lease(
        key,
        new Date(budget.windowStart),
        ask,
        this.#limit,
      );
      budget.tokens += granted;
      budget.leased = Math.max(budget.leased, leased);
      // Less than asked: the window's budget is all handed out.
      if (granted < ask) budget.exhausted = true;
      else budget.ask = Math.min(this.#maxLease, ask * 2);
      this.#onLease(granted > 0 ? 'granted' : 'exhausted');
    } catch (error) {
      this.#onLease('failed');
      this.#onError(error);
      budget.tokens = Math.max(0, this.#limit - budget.spent);
      budget.leased = budget.spent + budget.tokens;
      budget.exhausted = true;
    }
  }

  #budgetFor(key: string, windowStart: number): KeyBudget {
    if (windowStart > this.#currentWindow) this.#enterWindow(windowStart);
    const previous = this.#budgets.get(key);
    if (previous?.windowStart === windowStart) return previous;
    const budget: KeyBudget = {
      windowStart,
      tokens: 0,
      leased: 0,
      spent: 0,
      ask: previous?.windowStart === windowStart - this.#windowMs ? previous.ask : 1,
      waiting: 0,
      exhausted: false,
      pending: undefined,
    };
    this.#budgets.set(key, budget);
    return budget;
  }

  /**
   * Once per window and process: forgets budgets older than the previous
   * window, and deletes their rows. The previous window's rows stay, so a
   * process whose clock lags a little cannot lease a deleted window afresh.
   */
  #enterWindow(windowStart: number): void {
    this.#currentWindow = windowStart;
    const keepFrom = windowStart - this.#windowMs;
    for (const [key, budget] of this.#budgets) {
      if (budget.windowStart < keepFrom) this.#budgets.delete(key);
    }
    this.#leases.deleteWindowsBefore(new Date(keepFrom)).catch(this.#onError);
  }
}
