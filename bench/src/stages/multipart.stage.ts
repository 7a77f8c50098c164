import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { runChild } from '../child.ts';
import type { ScannerReadInput, ScannerReadResult } from '../probes/scanner-read.ts';
import type { VerifierReadInput, VerifierReadResult } from '../probes/verifier-read.ts';
import type { Row } from '../report.ts';
import { MiB, mibPerSecond, ratio } from '../stats.ts';
import { startBenchApi } from './bench-api.ts';
import { scratchClamd, sha256OfPatterned } from './large-objects.stage.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

const VERIFIER_READ = new URL('../probes/verifier-read.ts', import.meta.url);
const SCANNER_READ = new URL('../probes/scanner-read.ts', import.meta.url);
const PARALLEL_PARTS = 4;

/** Bytes [start, end) of the patterned object `seed` describes (see large-objects' `patterned`). */
function slice(seed: Buffer, start: number, end: number): Buffer {
  const out = Buffer.alloc(end - start);
  for (let at = start; at < end;) {
    const block = Math.floor(at / MiB);
    const chunk = Buffer.from(seed);
    chunk.writeUInt32BE(block, 0);
    const from = at - block * MiB;
    const take = Math.min(MiB - from, end - at);
    chunk.copy(out, at - start, from, from + take);
    at += take;
  }
  return out;
}

/** Runs `task(i)` for i in [0, count) with at most `limit` at once. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * An upload-api of the bench's own on the stack's database and S3, writing to
 * the sandbox bucket (no events: the stack's workers leave the object alone),
 * with a document limit that admits the object: the local API stops at what
 * its clamd scans whole.
 */
async function startApi(context: StageContext, maxBytes: number, partBytes: number) {
  return startBenchApi(
    {
      UPLOADS_BUCKET: context.stack.env.SANDBOX_BUCKET!,
      MAX_DOCUMENT_BYTES: String(maxBytes),
      MULTIPART_PART_SIZE_BYTES: String(partBytes),
    },
    ['SCAN_MAX_BYTES'],
  );
}

async function api<T>(url: string, apiKey: string, method: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

type Created = {
  uploadId: string;
  key: string;
  upload: { method: string; partSize: number; partCount: number };
};
type SignedPart = { partNumber: number; url: string; headers: Record<string, string> };

/**
 * The issue-13 contract, as a client speaks it: declare, sign every part
 * (100 a call) with its SHA-256, PUT the parts 4 at a time, complete.
 */
async function throughApi(
  apiUrl: string,
  apiKey: string,
  siteId: string,
  seed: Buffer,
  size: number,
  sha256: string,
  partBytes: number,
) {
  // Made and hashed before the clock starts, as a client hashes the file
  // (whole and per part, in one pass) before it declares it.
  const parts: Buffer[] = [];
  const described = [];
  for (let n = 1; (n - 1) * partBytes < size; n++) {
    const bytes = slice(seed, (n - 1) * partBytes, Math.min(n * partBytes, size));
    parts[n] = bytes;
    described.push({
      partNumber: n,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  const started = performance.now();
  const created = await api<Created>(`${apiUrl}/v1/uploads`, apiKey, 'POST', {
    siteId,
    fileName: 'bench.pdf',
    contentType: 'application/pdf',
    size,
    sha256,
    multipart: true,
  });
  if (created.upload.method !== 'MULTIPART') throw new Error(`answered ${created.upload.method}`);
  const { partSize, partCount } = created.upload;
  if (partSize !== partBytes || partCount !== described.length)
    throw new Error(`planned ${partCount} parts of ${partSize} bytes, not ${partBytes}`);
  const signed: SignedPart[] = [];
  for (let at = 0; at < described.length; at += 100) {
    const answer = await api<{ parts: SignedPart[] }>(
      `${apiUrl}/v1/uploads/${created.uploadId}/parts`,
      apiKey,
      'POST',
      { parts: described.slice(at, at + 100) },
    );
    signed.push(...answer.parts);
  }
  await pool(signed.length, PARALLEL_PARTS, async (i) => {
    const part = signed[i]!;
    const response = await fetch(part.url, {
      method: 'PUT',
      headers: part.headers,
      body: parts[part.partNumber],
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`part ${part.partNumber}: ${response.status}`);
    parts[part.partNumber] = Buffer.alloc(0);
  });
  await api(`${apiUrl}/v1/uploads/${created.uploadId}/complete`, apiKey, 'POST');
  return { ms: performance.now() - started, key: created.key, partSize, partCount };
}

/** The same bytes, same part size and parallelism, with the SDK alone: no API, no checksums. */
async function bareSdk(
  context: StageContext,
  key: string,
  seed: Buffer,
  size: number,
  partSize: number,
) {
  const s3 = context.stack.clients.s3;
  const Bucket = context.stack.env.SANDBOX_BUCKET!;
  const partCount = Math.ceil(size / partSize);
  const parts = Array.from({ length: partCount }, (_, i) =>
    slice(seed, i * partSize, Math.min((i + 1) * partSize, size)),
  );
  const started = performance.now();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
  const etags: { PartNumber: number; ETag: string }[] = [];
  await pool(partCount, PARALLEL_PARTS, async (i) => {
    const n = i + 1;
    const bytes = parts[i]!;
    const { ETag } = await s3.send(
      new UploadPartCommand({
        Bucket,
        Key: key,
        UploadId,
        PartNumber: n,
        Body: bytes,
        ContentLength: bytes.length,
      }),
    );
    etags.push({ PartNumber: n, ETag: ETag! });
    parts[i] = Buffer.alloc(0);
  });
  etags.sort((a, b) => a.PartNumber - b.PartNumber);
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: etags },
    }),
  );
  return { ms: performance.now() - started };
}

async function run(context: StageContext): Promise<StageResult> {
  const { stack, settings, log } = context;
  const size = settings.multipart.bytes;
  const bucket = stack.env.SANDBOX_BUCKET!;
  const label = size >= 1024 * MiB ? `${size / 1024 / MiB} GiB` : `${size / MiB} MiB`;
  const seed = randomBytes(MiB);
  const sha256 = sha256OfPatterned(size, seed);
  const tenant = await stack.tenant('multipart');
  const partBytes = settings.multipart.partBytes;
  const apiServer = await startApi(context, size, partBytes);
  const clamd =
    settings.mode === 'quick'
      ? { host: stack.env.CLAMD_HOST!, port: Number(stack.env.CLAMD_PORT), stop: async () => {} }
      : await scratchClamd(log);
  const keys: string[] = [];
  const problems: string[] = [];
  try {
    const bareKey = `bench/${stack.runId}/multipart-bare.bin`;
    keys.push(bareKey);
    const ours = await throughApi(
      apiServer.url,
      tenant.apiKeys[0]!,
      tenant.siteId,
      seed,
      size,
      sha256,
      partBytes,
    );
    keys.push(ours.key);
    const bare = await bareSdk(context, bareKey, seed, size, ours.partSize);
    const verifier = await runChild<VerifierReadResult>(
      VERIFIER_READ,
      { mode: 'inspect', bucket, key: ours.key } satisfies VerifierReadInput,
      3_600_000,
    );
    if (verifier.bytes !== size || verifier.sha256Hex !== sha256)
      problems.push('multipart: the completed object is not the bytes sent');
    const scanner = await runChild<ScannerReadResult>(
      SCANNER_READ,
      {
        bucket,
        key: ours.key,
        clamd: { host: clamd.host, port: clamd.port },
      } satisfies ScannerReadInput,
      3_600_000,
    );
    if (scanner.result !== 'clean' || scanner.sha256Hex !== sha256)
      problems.push(`multipart: clamd answered ${scanner.result} for the completed object`);
    const speed = { ours: mibPerSecond(size, ours.ms), baseline: mibPerSecond(size, bare.ms) };
    log(
      `multipart: ${label} in ${ours.partCount} parts of ${ours.partSize / MiB} MiB, ${PARALLEL_PARTS} at a time: ` +
        `API ${speed.ours.toFixed(0)} MiB/s, bare SDK ${speed.baseline.toFixed(0)} MiB/s; ` +
        `verifier ${mibPerSecond(size, verifier.ms).toFixed(0)} MiB/s (${verifier.peakRssMiB.toFixed(0)} MiB RSS), ` +
        `scanner ${scanner.result} ${mibPerSecond(size, scanner.ms).toFixed(0)} MiB/s (${scanner.peakRssMiB.toFixed(0)} MiB RSS)`,
    );
    const speedRatio = ratio(speed.ours, speed.baseline);
    const rows: Row[] = [
      {
        stage: 'multipart',
        measure: `MiB/s, ${label} in ${PARALLEL_PARTS} parallel parts`,
        ...speed,
        ratio: speedRatio,
        target: '≥ 0.8× bare SDK',
        met: speedRatio === null ? null : speedRatio >= 0.8,
      },
      {
        stage: 'multipart',
        measure: `verifier MiB/s, ${label} completed object`,
        ours: mibPerSecond(size, verifier.ms),
        baseline: null,
        ratio: null,
        target: '—',
        met: null,
      },
      {
        stage: 'multipart',
        measure: `scanner MiB/s, ${label} completed object`,
        ours: mibPerSecond(size, scanner.ms),
        baseline: null,
        ratio: null,
        target: '—',
        met: null,
      },
    ];
    return {
      rows,
      details: {
        size,
        partSize: ours.partSize,
        partCount: ours.partCount,
        ours,
        bare,
        verifier,
        scanner,
      },
      problems,
    };
  } finally {
    for (const key of keys)
      await stack.clients.s3
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
        .catch(() => {});
    await apiServer.stop();
    await clamd.stop();
  }
}

export const multipartStage: Stage = { name: 'multipart', run };
