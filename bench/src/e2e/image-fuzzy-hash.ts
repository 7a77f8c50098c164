import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStackHome } from '@airlock/config';
import { up } from '@airlock/dev-stack';

/** The dev stack's switch for clamd's ScanImageFuzzyHash (libs/dev-stack, stack settings). */
const SWITCH = 'AIRLOCK_DEV_CLAMD_IMAGE_FUZZY_HASH';

/** What the stack's clamd.conf says now: undefined when it does not set ScanImageFuzzyHash. */
export function imageFuzzyHashInConfig(): boolean | undefined {
  const conf = join(localStackHome(process.env), 'clamav', 'clamd.conf');
  if (!existsSync(conf)) return undefined;
  const setting = /^ScanImageFuzzyHash\s+(\S+)/m.exec(readFileSync(conf, 'utf8'));
  return setting ? setting[1] === 'yes' : undefined;
}

/**
 * Runs `work` with clamd's image fuzzy hashing off (the stack restarts clamd
 * when its config changes), then turns it back on. Undefined when the stack
 * cannot switch it (its clamd.conf does not follow the setting).
 */
export async function withoutImageFuzzyHash<T>(work: () => Promise<T>): Promise<T | undefined> {
  const before = process.env[SWITCH];
  process.env[SWITCH] = 'no';
  try {
    await up();
    if (imageFuzzyHashInConfig() !== false) return undefined;
    return await work();
  } finally {
    if (before === undefined) delete process.env[SWITCH];
    else process.env[SWITCH] = before;
    await up();
  }
}
