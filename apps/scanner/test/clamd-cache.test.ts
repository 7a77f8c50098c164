import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ClamdScanner } from '@airlock/clamav';
import { localStackHome } from '@airlock/config';
import { startScratchClamd } from '@airlock/testing';

// clamd keeps a cache of the content it found clean, shared by every
// customer: a repeat would be answered at once, telling one customer that
// another sent the same bytes. Every clamd.conf we ship turns it off. With
// Debug on, libclamav logs each lookup (`clean_cache_check: <md5> is
// positive`, on stderr), so the same bytes scanned twice show whether it
// answered.
const clamavDir = join(localStackHome(), 'clamav');
const configs = {
  'the local stack (libs/dev-stack/src/clamd.ts)': () =>
    readFileSync(join(clamavDir, 'clamd.conf'), 'utf8'),
  'docker-compose and ECS (infra/clamav/clamd.docker.conf)': () =>
    readFileSync(new URL('../../../infra/clamav/clamd.docker.conf', import.meta.url), 'utf8'),
};

/** clamd's debug log after it scanned the same new bytes twice, both clean. */
async function logOfTwoScans(conf: string, overrides: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-clamd-cache-'));
  const output = join(dir, 'clamd.out');
  const clamd = await startScratchClamd(
    conf,
    {
      TCPAddr: '127.0.0.1',
      DatabaseDirectory: join(clamavDir, 'db'),
      Debug: 'yes',
      ...overrides,
    },
    { output },
  );
  try {
    const scanner = new ClamdScanner({}, { host: clamd.host, port: clamd.port, timeoutMs: 10_000 });
    const bytes = randomBytes(256 * 1024);
    for (let scan = 0; scan < 2; scan++)
      expect(await scanner.scan(Readable.from([bytes]))).toMatchObject({ result: 'clean' });
    return readFileSync(output, 'utf8');
  } finally {
    await clamd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("clamd's cache of clean content", () => {
  it.each(Object.entries(configs))('is off in the clamd.conf of %s', async (_, conf) => {
    const log = await logOfTwoScans(conf());
    expect(log).toMatch(/clean_cache_init: Caching disabled/);
    expect(log).not.toMatch(/clean_cache_check: \w+ is positive/);
  });

  it('answers a repeat where it is on (what the log lines above would show)', async () => {
    const log = await logOfTwoScans(configs['the local stack (libs/dev-stack/src/clamd.ts)'](), {
      DisableCache: 'no',
    });
    expect(log).toMatch(/clean_cache_check: \w+ is positive/);
  });
});
