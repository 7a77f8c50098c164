/**
 * The end-to-end load: a client in its own process that asks the API for
 * each file's URL and PUTs the bytes to S3, as a browser would, and notes
 * when each PUT finished. Bytes are made here, just before each request, so
 * none cross the process boundary; every file is new content unless its
 * spec names a seed (the repeats set). Paced, file i starts at i / rate.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerParent } from '../child.ts';
import { CONTENT_TYPES, JpegMaker, pdfFile, textFile, type FileKind } from '../fixtures/files.ts';

export type FileSpec = {
  readonly kind: FileKind;
  readonly size: number;
  /** Text only: the same seed sends the same bytes (a repeat); none, new content. */
  readonly seed?: string;
};

export type E2eClientInput = {
  readonly apiUrl: string;
  readonly apiKeys: readonly string[];
  readonly siteId: string;
  readonly files: readonly FileSpec[];
  readonly concurrency: number;
  /** Send each file only once the previous one is terminal: the idle pipeline's own spans. */
  readonly oneByOne: boolean;
  /** Files started per second, whatever the answers' pace (an open loop); none: as fast as it goes. */
  readonly arrivalsPerSecond?: number | undefined;
  /** No new file is started after this many seconds. */
  readonly timeoutSeconds: number;
};

export type UploadRecord = FileSpec & {
  readonly uploadId: string;
  /** Epoch ms, this machine's clock (the database's clock_timestamp() is the same clock). */
  readonly putDoneAt: number;
  readonly requestMs: number;
  readonly putMs: number;
};

export type E2eClientResult = { readonly uploads: UploadRecord[]; readonly failures: string[] };

const TERMINAL = new Set(['ready', 'rejected', 'quarantined', 'expired']);

answerParent(async (input: E2eClientInput): Promise<E2eClientResult> => {
  const jpegs = new JpegMaker();
  const deadline = Date.now() + input.timeoutSeconds * 1000;
  const uploads: UploadRecord[] = [];
  const failures: string[] = [];
  let next = 0;

  const bytesOf = (file: FileSpec) =>
    file.kind === 'jpeg'
      ? jpegs.make(file.size)
      : Promise.resolve(file.kind === 'pdf' ? pdfFile(file.size) : textFile(file.size, file.seed));

  async function send(file: FileSpec, index: number): Promise<void> {
    const bytes = await bytesOf(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const authorization = `Bearer ${input.apiKeys[index % input.apiKeys.length]}`;
    const contentType = CONTENT_TYPES[file.kind];
    const asked = performance.now();
    const response = await fetch(`${input.apiUrl}/v1/uploads`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        siteId: input.siteId,
        fileName: `bench-${index}`,
        contentType,
        size: bytes.length,
        sha256,
      }),
    });
    const body = (await response.json()) as {
      uploadId: string;
      upload?: { url: string; headers: Record<string, string> };
    };
    if (response.status !== 201 || !body.upload) {
      failures.push(`POST /v1/uploads answered ${response.status}: ${JSON.stringify(body)}`);
      return;
    }
    const put = performance.now();
    const stored = await fetch(body.upload.url, {
      method: 'PUT',
      headers: body.upload.headers,
      body: bytes,
    });
    // S3 has stored the object once it answers; the (empty) body can follow.
    const putDoneAt = Date.now();
    await stored.arrayBuffer();
    if (stored.status !== 200) {
      failures.push(`PUT answered ${stored.status}`);
      return;
    }
    uploads.push({
      ...file,
      uploadId: body.uploadId,
      putDoneAt,
      requestMs: put - asked,
      putMs: performance.now() - put,
    });
    if (input.oneByOne) await untilTerminal(body.uploadId, authorization);
  }

  async function untilTerminal(uploadId: string, authorization: string): Promise<void> {
    while (Date.now() < deadline) {
      const response = await fetch(`${input.apiUrl}/v1/uploads/${uploadId}`, {
        headers: { authorization },
      });
      const { state } = (await response.json()) as { state?: string };
      if (state && TERMINAL.has(state)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  // The photos behind the JPEGs are made before the clock starts, not between PUTs.
  const largestJpeg = Math.max(
    0,
    ...input.files.filter((f) => f.kind === 'jpeg').map((f) => f.size),
  );
  if (largestJpeg > 0) await jpegs.make(largestJpeg);

  const started = performance.now();
  const rate = input.oneByOne ? undefined : input.arrivalsPerSecond;
  const workers = Array.from({ length: input.oneByOne ? 1 : input.concurrency }, async () => {
    while (next < input.files.length && Date.now() < deadline) {
      const index = next++;
      // Paced: file i starts at i / rate seconds, so a slow answer never slows the arrivals.
      if (rate) await sleep(Math.max(0, started + (index * 1000) / rate - performance.now()));
      await send(input.files[index]!, index).catch((error: unknown) => {
        failures.push(`file ${index}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  });
  await Promise.all(workers);
  if (next < input.files.length) {
    failures.push(
      `only ${next} of ${input.files.length} files started within ${input.timeoutSeconds} s`,
    );
  }
  return { uploads, failures };
});
