/**
 * `node bench/src/client-hashing.main.ts [MiB]` (default 256): how fast
 * @airlock/client hashes a file with each SHA-256 engine, through the same
 * path an upload takes (`sha256OfBlob`: a Blob read 4 MiB at a time), and the
 * process's peak RSS growth for each. Node's native (OpenSSL) SHA-256 of the
 * same bytes is the floor. Each engine runs in a fresh process, so one's
 * memory does not hide another's. Needs no stack.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createCipheriv } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256OfBlob, type Sha256Engine } from '@airlock/client';
import { describeMachine, machineLine } from './machine.ts';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

type Measure = { engine: string; seconds: number; mibPerSecond: number; peakRssGrowthMiB: number };

async function measure(engine: Sha256Engine | 'node', path: string): Promise<Measure> {
  const blob = await openAsBlob(path);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let hex: string;
  if (engine === 'node') {
    const hash = createHash('sha256');
    const reader = blob.stream().getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read())
      hash.update(read.value);
    hex = hash.digest('hex');
  } else {
    hex = await sha256OfBlob(blob, { engine });
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stderr.write(`${engine}: ${hex}\n`);
  return {
    engine,
    seconds: Math.round(seconds * 100) / 100,
    mibPerSecond: Math.round(blob.size / MiB / seconds),
    peakRssGrowthMiB: Math.round((peak - rssBefore) / MiB),
  };
}

if (process.argv[2] === '--child') {
  const result = await measure(process.argv[3] as Sha256Engine | 'node', process.argv[4]!);
  process.stdout.write(JSON.stringify(result));
} else {
  const mib = Number(process.argv[2] ?? 256);
  const dir = await mkdtemp(join(tmpdir(), 'airlock-hash-bench-'));
  const path = join(dir, 'file.bin');
  try {
    // Pseudo-random bytes (AES-CTR keystream), written 4 MiB at a time.
    const keystream = createCipheriv('aes-128-ctr', Buffer.alloc(16, 3), Buffer.alloc(16));
    await writeFile(path, new Uint8Array());
    const zeros = Buffer.alloc(4 * MiB);
    for (let written = 0; written < mib * MiB; written += zeros.length)
      await appendFile(path, keystream.update(zeros));
    // Warm the page cache so every engine reads from memory.
    spawnSync(process.execPath, [self, '--child', 'node', path], { stdio: 'ignore' });
    const rows: Measure[] = [];
    for (const engine of ['node', 'wasm', 'js']) {
      const child = spawnSync(process.execPath, [self, '--child', engine, path], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      rows.push(JSON.parse(child.stdout) as Measure);
    }
    console.log(`${mib} MiB; ${machineLine(describeMachine(), new Date())}`);
    console.table(rows);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
