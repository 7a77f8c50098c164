import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CLAMD_MAX_SCAN_BYTES } from '@airlock/core';
import { startScratchClamd, type ScratchClamd } from '@airlock/testing';
import { runChild } from '../child.ts';
import type { ScannerReadInput, ScannerReadResult } from '../probes/scanner-read.ts';
import type { VerifierReadInput, VerifierReadResult } from '../probes/verifier-read.ts';
import type { Row } from '../report.ts';
import { MiB, mibPerSecond } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

const GiB = 1024 * MiB;
const VERIFIER_READ = new URL('../probes/verifier-read.ts', import.meta.url);
const SCANNER_READ = new URL('../probes/scanner-read.ts', import.meta.url);
/** clamd's ceiling for one INSTREAM stream (StreamMaxLength 4G). */
const CLAMD_MAX_STREAM_BYTES = 4 * GiB;

/** `total` bytes in 1 MiB chunks: one random block, each copy stamped with its index. */
export function* patterned(total: number, seed: Buffer = randomBytes(MiB)): Generator<Buffer> {
  for (let at = 0, n = 0; at < total; at += MiB, n++) {
    const chunk = Buffer.from(seed.subarray(0, Math.min(MiB, total - at)));
    chunk.writeUInt32BE(n, 0);
    yield chunk;
  }
}

export function sha256OfPatterned(total: number, seed: Buffer): string {
  const hash = createHash('sha256');
  for (const chunk of patterned(total, seed)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * A clamd of this run's own with the largest limits ClamAV 1.4 honours
 * (MaxFileSize = MaxScanSize = 2 GiB − 3, StreamMaxLength 4 GiB), the stack's
 * test signatures and AlertExceedsMax: what an operator at the ceiling runs.
 */
export async function scratchClamd(log: (line: string) => void): Promise<ScratchClamd> {
  const signatures = mkdtempSync(join(tmpdir(), 'airlock-bench-signatures-'));
  const shipped = new URL('../../../infra/clamav/signatures/', import.meta.url);
  for (const name of readdirSync(shipped).filter((name) => !name.endsWith('.md')))
    copyFileSync(new URL(name, shipped), join(signatures, name));
  const conf = [
    'Foreground yes',
    'TCPAddr 127.0.0.1',
    `DatabaseDirectory ${signatures}`,
    'AlertExceedsMax yes',
    `MaxFileSize ${CLAMD_MAX_SCAN_BYTES}`,
    `MaxScanSize ${CLAMD_MAX_SCAN_BYTES}`,
    `StreamMaxLength ${CLAMD_MAX_STREAM_BYTES}`,
    `PCREMaxFileSize ${CLAMD_MAX_SCAN_BYTES}`,
    'MaxScanTime 600000',
  ].join('\n');
  const clamd = await startScratchClamd(conf, {}).catch((error: unknown) => {
    rmSync(signatures, { recursive: true, force: true });
    throw error;
  });
  log(
    `large-objects: scratch clamd on ${clamd.host}:${clamd.port} (MaxFileSize ${CLAMD_MAX_SCAN_BYTES})`,
  );
  return {
    ...clamd,
    stop: async () => {
      await clamd.stop();
      rmSync(signatures, { recursive: true, force: true });
    },
  };
}

/** Stores `size` patterned bytes in the sandbox bucket, streamed: never whole in memory. */
export async function putPatterned(
  context: StageContext,
  key: string,
  size: number,
): Promise<string> {
  const seed = randomBytes(MiB);
  const bucket = context.stack.env.SANDBOX_BUCKET!;
  await context.stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: Readable.from(patterned(size, seed)),
      ContentLength: size,
    }),
  );
  return sha256OfPatterned(size, seed);
}

type Measured = {
  size: number;
  verifier: VerifierReadResult;
  scanner: ScannerReadResult;
};

/**
 * The verifier's one streaming pass and the scanner on objects of 1 GiB and
 * 5 GiB (16 MiB in the quick run): peak RSS (VmHWM) of each in a fresh
 * process, and what clamd answered. Above 2 GiB − 3 bytes clamd can only
 * answer a limit, never clean.
 */
async function run(context: StageContext): Promise<StageResult> {
  const { stack, settings, log } = context;
  const bucket = stack.env.SANDBOX_BUCKET!;
  const problems: string[] = [];
  const clamd =
    settings.mode === 'quick'
      ? {
          host: stack.env.CLAMD_HOST!,
          port: Number(stack.env.CLAMD_PORT),
          stop: async () => {},
        }
      : await scratchClamd(log);
  const measured: Measured[] = [];
  try {
    for (const size of settings.largeObjects.sizes) {
      const key = `bench/${stack.runId}/large-${size}.bin`;
      const label = size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`;
      try {
        let started = performance.now();
        const sha256Hex = await putPatterned(context, key, size);
        log(
          `large-objects: stored ${label} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        const verifier = await runChild<VerifierReadResult>(
          VERIFIER_READ,
          { mode: 'inspect', bucket, key } satisfies VerifierReadInput,
          3_600_000,
        );
        if (verifier.bytes !== size || verifier.sha256Hex !== sha256Hex)
          problems.push(`large-objects: the verifier measured ${label} wrong`);
        started = performance.now();
        const scanner = await runChild<ScannerReadResult>(
          SCANNER_READ,
          { bucket, key, clamd: { host: clamd.host, port: clamd.port } } satisfies ScannerReadInput,
          3_600_000,
        );
        // Whole and clean below what clamd scans whole; past it a limit, never clean.
        const wanted = size <= CLAMD_MAX_SCAN_BYTES ? 'clean' : 'limits_exceeded';
        if (scanner.result !== wanted)
          problems.push(
            `large-objects: clamd answered ${scanner.result} for ${label}, not ${wanted}`,
          );
        if (scanner.result === 'clean' && scanner.sha256Hex !== sha256Hex)
          problems.push(`large-objects: clean for ${label} without the object read whole`);
        log(
          `large-objects: ${label}: verifier ${mibPerSecond(size, verifier.ms).toFixed(0)} MiB/s, ` +
            `peak RSS ${verifier.peakRssMiB.toFixed(0)} MiB; scanner ${scanner.result}` +
            `${scanner.signature ? ` (${scanner.signature})` : ''} in ${(scanner.ms / 1000).toFixed(1)} s, ` +
            `peak RSS ${scanner.peakRssMiB.toFixed(0)} MiB`,
        );
        measured.push({ size, verifier, scanner });
      } finally {
        await stack.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }
    }
  } finally {
    await clamd.stop();
  }
  const label = (size: number) => (size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`);
  const rows: Row[] = measured.flatMap(({ size, verifier, scanner }) => [
    {
      stage: 'large',
      measure: `verifier peak RSS MiB, ${label(size)}`,
      ours: verifier.peakRssMiB,
      baseline: null,
      ratio: null,
      target: 'flat (< 256 MiB)',
      met: verifier.peakRssMiB < 256,
    },
    {
      stage: 'large',
      measure: `verifier MiB/s, ${label(size)}`,
      ours: mibPerSecond(size, verifier.ms),
      baseline: null,
      ratio: null,
      target: '—',
      met: null,
    },
    {
      stage: 'large',
      measure: `scanner peak RSS MiB, ${label(size)} (${scanner.result})`,
      ours: scanner.peakRssMiB,
      baseline: null,
      ratio: null,
      target: 'flat (< 256 MiB)',
      met: scanner.peakRssMiB < 256,
    },
  ]);
  return { rows, details: { clamdMaxScanBytes: CLAMD_MAX_SCAN_BYTES, measured }, problems };
}

export const largeObjectsStage: Stage = { name: 'large', run };
