import pg from 'pg';
import { tracedQuery } from './sql-spans.ts';

// bigint columns (sizes) come back as numbers: every size we accept is far
// below Number.MAX_SAFE_INTEGER.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;

/** A pg client whose every statement is a span (see {@link tracedQuery}). */
class TracedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    Object.assign(this, { query: (...args: unknown[]) => tracedQuery(query, args) });
  }
}

export function createPool(
  databaseUrl: string,
  options: { max?: number; onIdleError?: (error: Error) => void } = {},
): Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    Client: TracedClient,
  });
  // An idle client losing its server emits 'error' on the pool; unhandled, that
  // would kill the process. The next query fails on its own and is retried.
  pool.on('error', options.onIdleError ?? (() => {}));
  return pool;
}

export async function ping(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION;
}
