import Uppy, { type Body, type Meta, type UppyFile } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import { AirlockUppy, restrictionsFromGrant } from '@airlock/client/uppy';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import './uppy-page.css';

/** What this app's backend answers on `POST /token` (it mints with its API key). */
type Grant = {
  token: string;
  expiresAt: string;
  apiUrl: string;
  maxSize: number | null;
  contentTypes: string[] | null;
};

const MiB = 1024 * 1024;

async function mint(): Promise<Grant> {
  const response = await fetch('/token', { method: 'POST' });
  if (!response.ok) throw new Error(`no upload token: HTTP ${response.status}`);
  return (await response.json()) as Grant;
}

let grant = await mint();
/** The current token, minted again a minute before it expires. */
async function token(): Promise<string> {
  if (Date.parse(grant.expiresAt) - Date.now() < 60_000) grant = await mint();
  return grant.token;
}

const uppy = new Uppy({ restrictions: restrictionsFromGrant(grant) })
  .use(Dashboard, {
    inline: true,
    target: '#uppy',
    width: '100%',
    height: 470,
    proudlyDisplayPoweredByUppy: false,
  })
  .use(AirlockUppy, {
    endpoint: grant.apiUrl,
    token,
    // Hashing off the main thread: the client's worker, bundled by this app's server.
    clientOptions: { hashWorker: '/hash-worker.js' },
    // Parts in parallel from 16 MiB (the API's part size) on; above 100 MiB always.
    shouldUseMultipart: (file) => (file.size ?? 0) >= 16 * MiB,
  });

// What happened, for tests (ours or anyone's) and the curious: Uppy's own events.
type Logged = { event: string; file?: string; [field: string]: unknown };
const log: Logged[] = [];
const name = (file: UppyFile<Meta, Body> | undefined) => file?.name;
uppy.on('preprocess-progress', (file, progress) =>
  log.push({ event: 'preprocess-progress', file: name(file), value: progress.value ?? null }),
);
uppy.on('upload-progress', (file, progress) =>
  log.push({
    event: 'upload-progress',
    file: name(file),
    bytesUploaded: progress.bytesUploaded,
    bytesTotal: progress.bytesTotal,
  }),
);
uppy.on('postprocess-progress', (file, progress) =>
  log.push({ event: 'postprocess-progress', file: name(file), message: progress.message ?? null }),
);
uppy.on('upload-success', (file, response) =>
  log.push({ event: 'upload-success', file: name(file), body: response.body }),
);
uppy.on('upload-error', (file, error) =>
  log.push({ event: 'upload-error', file: name(file), message: error.message }),
);
uppy.on('restriction-failed', (file, error) =>
  log.push({ event: 'restriction-failed', file: name(file), message: error.message }),
);
uppy.on('complete', (result) =>
  log.push({
    event: 'complete',
    successful: (result.successful ?? []).map((file) => file.name),
    failed: (result.failed ?? []).map((file) => file.name),
  }),
);

Object.assign(window, { uppy, uppyLog: log, MiB });
document.querySelector('#uppy')!.setAttribute('data-ready', 'true');
