import pg from 'pg';

/**
 * A session-level PostgreSQL advisory lock on a connection of its own: the
 * process that holds it is the one elected for some duty (sampling a queue's
 * depth), and the lock goes with the connection, so a process that dies or
 * loses its database frees it for the next that asks. Never throws: a failure
 * answers "not held" and the next call reconnects.
 */
export class AdvisoryLock {
  readonly #databaseUrl: string;
  readonly #name: string;
  #client: pg.Client | undefined;
  #held = false;
  #closed = false;

  /** `name` is hashed (hashtext) into the lock's key: every process uses the same name. */
  constructor(databaseUrl: string, name: string) {
    this.#databaseUrl = databaseUrl;
    this.#name = name;
  }

  /** True while this process holds the lock: takes it when it is free, checks the connection when held. */
  async acquire(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      const client = await this.#connected();
      if (this.#held) {
        await client.query('SELECT 1');
        return true;
      }
      const { rows } = await client.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS held',
        [this.#name],
      );
      this.#held = rows[0]?.held === true;
      return this.#held;
    } catch {
      await this.#drop();
      return false;
    }
  }

  /** Frees the lock (the connection ends with it). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#drop();
  }

  async #connected(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({ connectionString: this.#databaseUrl });
    // A lost connection loses the lock with it: the next acquire() reconnects and asks again.
    client.on('error', () => void this.#drop());
    this.#client = client;
    await client.connect();
    return client;
  }

  async #drop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#held = false;
    await client?.end().catch(() => {});
  }
}
