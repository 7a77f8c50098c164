/**
 * A Node process uploading one file with @airlock/client, for tests that
 * kill it mid-upload and resume in another process. Reads its job from
 * argv[2] (JSON); prints one JSON line per event on stdout.
 *
 *   { apiUrl, apiKey, siteId, path, contentType, multipart?, concurrency?,
 *     partDelayMs?, resume?: UploadSession }
 */
import { openAsBlob } from 'node:fs';
import { AirlockClient, type UploadSession } from '@airlock/client';

type Job = {
  apiUrl: string;
  apiKey: string;
  siteId: string;
  path: string;
  contentType: string;
  multipart?: boolean;
  concurrency?: number;
  /** Wait this long before each part PUT: a slow link, so a test can kill the process midway. */
  partDelayMs?: number;
  resume?: UploadSession;
};

const job = JSON.parse(process.argv[2]!) as Job;
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

const slowFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  if (job.partDelayMs && init?.method === 'PUT' && url.includes('partNumber='))
    await new Promise((resolve) => setTimeout(resolve, job.partDelayMs));
  return fetch(input, init);
};

const client = new AirlockClient({
  baseUrl: job.apiUrl,
  authorization: `Bearer ${job.apiKey}`,
  fetch: slowFetch,
});
const file = await openAsBlob(job.path, { type: job.contentType });
try {
  const result = await client.upload(file, {
    siteId: job.siteId,
    fileName: 'resumable.mp4',
    contentType: job.contentType,
    ...(job.multipart !== undefined ? { multipart: job.multipart } : {}),
    ...(job.concurrency !== undefined ? { concurrency: job.concurrency } : {}),
    ...(job.resume ? { resume: job.resume } : {}),
    onSession: (session) => emit({ event: 'session', session }),
    onPart: (part) => emit({ event: 'part', ...part }),
  });
  emit({ event: 'done', result });
} catch (error) {
  emit({ event: 'error', message: String(error) });
  process.exitCode = 1;
}
