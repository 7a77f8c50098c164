import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the local stack (`airlock dev up`) keeps its data, logs and state:
 * `AIRLOCK_HOME`, by default `.airlock/` at the repository root.
 */
export function localStackHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.AIRLOCK_HOME ?? fileURLToPath(new URL('../../../.airlock', import.meta.url)));
}

/** Written by `airlock dev up` once everything runs, removed by `airlock dev down`. */
export const localStackStateFile = (env: NodeJS.ProcessEnv = process.env): string =>
  join(localStackHome(env), 'stack.json');

/**
 * The running local stack's environment (what `airlock dev status --env`
 * prints); `undefined` when it is not up, as in production.
 */
export function localStackEnv(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> | undefined {
  const file = localStackStateFile(env);
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { env: Record<string, string> }).env;
}
