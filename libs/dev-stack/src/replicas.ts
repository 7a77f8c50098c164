import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * How many copies of each app the local stack runs, and their names.
 * One copy keeps the app's own name (`verifier`), so a one-replica stack
 * looks as it always did; several are `verifier-1` … `verifier-N`.
 */
export const MAX_REPLICAS = 8;

/** `AIRLOCK_DEV_REPLICAS` (or `dev up --replicas`), else what the running stack recorded, else 1. */
export function replicaCount(value: string | undefined, recorded?: number): number {
  if (value === undefined || value === '') return recorded ?? 1;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS) {
    throw new Error(
      `AIRLOCK_DEV_REPLICAS: expected a whole number from 1 to ${MAX_REPLICAS}, got "${value}"`,
    );
  }
  return count;
}

export function replicaNames(service: string, count: number): string[] {
  if (count === 1) return [service];
  return Array.from({ length: count }, (_, index) => `${service}-${index + 1}`);
}

/** True for the app itself and for any of its numbered replicas. */
export const isReplicaOf = (service: string, name: string): boolean =>
  name === service || new RegExp(`^${service}-\\d+$`).test(name);

/**
 * Below Linux's ephemeral range (32768–60999): a port the OS hands out (listen
 * on 0) is one that outgoing connections also take, so by the time the
 * replica listens on it a connection to PostgreSQL or S3 may hold it.
 */
const REPLICA_PORTS = { from: 20_000, to: 32_000 } as const;

const listensOn = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

/** A port nobody listens on now, outside the ephemeral range, tried from a random start. */
export async function freePort(host: string): Promise<number> {
  const span = REPLICA_PORTS.to - REPLICA_PORTS.from;
  const start = Math.floor(Math.random() * span);
  for (let offset = 0; offset < span; offset++) {
    const port = REPLICA_PORTS.from + ((start + offset) % span);
    if (await listensOn(host, port)) return port;
  }
  throw new Error(`no free port from ${REPLICA_PORTS.from} to ${REPLICA_PORTS.to} on ${host}`);
}

/**
 * The ports of replica `index` of `count` (1-based). Alone it keeps the
 * configured ones; among several, replica 1 keeps them too except a
 * `balanced` first port (the balancer's), and every other port is a free one
 * from the OS, recorded in `<run>/<name>.ports` so a restarted replica gets
 * the same again (the balancer and AIRLOCK_METRICS_URLS keep pointing at it)
 * until `dev down`.
 */
export async function replicaPorts(
  run: string,
  host: string,
  replica: {
    name: string;
    index: number;
    count: number;
    configured: readonly number[];
    balanced: boolean;
  },
): Promise<number[]> {
  const { name, index, count, configured, balanced } = replica;
  if (count === 1) return [...configured];
  const file = join(run, `${name}.ports`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as number[];
  const ports: number[] = [];
  for (const [at, port] of configured.entries()) {
    ports.push(index === 1 && !(balanced && at === 0) ? port : await freePort(host));
  }
  mkdirSync(run, { recursive: true });
  writeFileSync(file, JSON.stringify(ports));
  return ports;
}

/** Forgets every replica's recorded ports (`dev down`). */
export function forgetReplicaPorts(run: string): void {
  if (!existsSync(run)) return;
  for (const file of readdirSync(run)) {
    if (file.endsWith('.ports')) rmSync(join(run, file), { force: true });
  }
}
