import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { localStackHome } from '@airlock/config';

/**
 * Every log file of one of the stack's replicated apps (upload-api and the
 * workers): `<app>.log`, or `<app>-1.log` … `<app>-N.log` when the stack runs
 * AIRLOCK_DEV_REPLICAS=N (the count `dev up` exports to the tests).
 */
export function stackLogFiles(app: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const count = Number(env.AIRLOCK_DEV_REPLICAS ?? '1');
  const names =
    count > 1 ? Array.from({ length: count }, (_, index) => `${app}-${index + 1}`) : [app];
  return names.map((name) => join(localStackHome(env), 'logs', `${name}.log`));
}

const jsonLines = (text: string): Array<Record<string, any>> =>
  text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, any>];
    } catch {
      return [];
    }
  });

/** A position in each of an app's log files: read what comes after it. */
export type LogMark = readonly number[];

/** The logs of every process of one of the stack's apps, read as one. */
export function stackLog(app: string, env: NodeJS.ProcessEnv = process.env) {
  const files = stackLogFiles(app, env);
  const read = (file: string, from = 0) =>
    existsSync(file) ? readFileSync(file).subarray(from).toString('utf8') : '';
  const textSince = (mark: LogMark = []) =>
    files.map((file, at) => read(file, mark[at] ?? 0)).join('\n');
  return {
    files,
    /** Where each file ends now. */
    mark: (): LogMark => files.map((file) => (existsSync(file) ? statSync(file).size : 0)),
    /** The raw text written after `mark` (every file's, one after the other). */
    textSince,
    /** The JSON lines written after `mark` (other output skipped); all of them without one. */
    since: (mark?: LogMark) => jsonLines(textSince(mark)),
  };
}
