import { createPool, type Pool } from '@airlock/postgres';

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('Set DATABASE_URL, or start the local stack with `airlock dev up`');
  return url;
}

export async function withPool<T>(work: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool(databaseUrl(), { max: 2 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}
