import { AirlockApiError, AirlockClient } from '@airlock/client';
import {
  contentTypeOf,
  describeApiError,
  describeTypes,
  formatBytes,
  refusalOf,
  type RowState,
} from './format.ts';
import { cancelOnLeave, inFlight, recoverInterrupted } from './in-flight.ts';
import { UploadRow } from './row.ts';
import { TokenSource, type Grant } from './tokens.ts';

/** Files hashed and sent at once; the rest wait their turn. */
const CONCURRENT_UPLOADS = 3;
const FOLLOW_TIMEOUT_MS = 10 * 60_000;
/** The client's hash worker, bundled beside the page (src/bundle.ts). */
const HASH_WORKER_URL = '/hash-worker.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = $<HTMLOListElement>('uploads');
const input = $<HTMLInputElement>('file');
const drop = $<HTMLElement>('drop');
const live = $<HTMLElement>('announce');
const tokens = new TokenSource();

const announce = (text: string) => {
  live.textContent = text;
};

function addRow(file: { name: string; size: number }): UploadRow {
  const row = new UploadRow(file, announce);
  list.append(row.element);
  document.body.classList.add('has-uploads');
  return row;
}

let running = 0;
const queue: Array<() => Promise<void>> = [];
function schedule(job: () => Promise<void>) {
  queue.push(job);
  const next = () => {
    while (running < CONCURRENT_UPLOADS && queue.length) {
      running += 1;
      queue.shift()!().finally(() => {
        running -= 1;
        next();
      });
    }
  };
  next();
}

function accept(files: Iterable<File>) {
  for (const file of files) {
    const row = addRow(file);
    schedule(() => uploadFile(file, row));
  }
}

async function uploadFile(file: File, row: UploadRow): Promise<void> {
  let grant: Grant;
  try {
    grant = await tokens.current();
  } catch (error) {
    row.fail('failed', 'token_unavailable', (error as Error).message);
    return;
  }
  const refusal = refusalOf(file, grant);
  if (refusal) {
    row.fail('refused', refusal.code, refusal.message);
    return;
  }
  // Each upload keeps the token that created it: the only one that may read it.
  const client = new AirlockClient({
    baseUrl: grant.apiUrl,
    authorization: `Bearer ${grant.token}`,
    hashWorker: HASH_WORKER_URL,
  });
  row.setState('hashing');
  let uploadId: string | undefined;
  const task = client.startUpload(file, {
    siteId: grant.siteId,
    fileName: file.name,
    contentType: contentTypeOf(file),
    onProgress: (progress) => {
      row.hashed(progress.bytesHashed, progress.totalBytes);
      if (progress.phase !== 'hashing') row.sent(progress.bytesSent, progress.totalBytes);
    },
    // The API named the upload, before any byte is sent: it is in flight until the store holds them.
    onCreated: (id) => {
      uploadId = id;
      row.setUploadId(id);
      row.setState('uploading');
      inFlight.add({
        uploadId: id,
        token: grant.token,
        apiUrl: grant.apiUrl,
        fileName: file.name,
        size: file.size,
      });
    },
  });
  row.onCancel(() => void task.cancel());
  try {
    const result = await task.done;
    if (result.duplicate || result.inProgress) row.nothingToSend();
    else row.sent(1, 1);
    inFlight.remove(result.uploadId);
    row.setState(result.state as RowState);
    // Verification, the scan and renditions follow: poll until the pipeline is done with it.
    const final = await client.follow(result.uploadId, {
      poll: { initialDelayMs: 300, factor: 1.3, maxDelayMs: 2_000, timeoutMs: FOLLOW_TIMEOUT_MS },
      onState: (upload) => row.setState(upload.state),
      ...(result.inProgress && result.retryAfterMs ? { firstDelayMs: result.retryAfterMs } : {}),
    });
    row.settle(final.state, final.reason, final.history, final.renditions.length > 0);
    if (final.downloads) row.showDownloads(final.downloads, final.renditions, file.name);
  } catch (error) {
    if (uploadId) inFlight.remove(uploadId);
    // Cancelled with the button: the client cancelled it at the API too.
    if (uploadId && error instanceof DOMException && error.name === 'AbortError')
      row.settle('expired', 'cancelled', [{ to: 'pending' }, { to: 'expired' }]);
    else failed(row, error);
  }
}

function failed(row: UploadRow, error: unknown) {
  if (error instanceof AirlockApiError) {
    const refused = error.status === 413 || error.status === 415 || error.status === 400;
    row.fail(refused ? 'refused' : 'failed', error.code, describeApiError(error));
  } else if (error instanceof DOMException && error.name === 'AbortError') {
    row.fail('failed', 'cancelled', 'Cancelled: nothing was kept.');
  } else {
    row.fail('failed', 'error', (error as Error).message || 'The upload failed.');
  }
}

function wireDropZone() {
  input.addEventListener('change', () => {
    if (input.files) accept([...input.files]);
    input.value = '';
  });
  let depth = 0;
  drop.addEventListener('dragenter', (event) => {
    event.preventDefault();
    depth += 1;
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  drop.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) drop.classList.remove('dragging');
  });
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    drop.classList.remove('dragging');
    if (event.dataTransfer?.files.length) accept([...event.dataTransfer.files]);
  });
  // A file dropped beside the zone must not replace the page.
  addEventListener('dragover', (event) => event.preventDefault());
  addEventListener('drop', (event) => event.preventDefault());
}

async function describeGrant() {
  const limits = $<HTMLElement>('limits');
  try {
    const grant = await tokens.current();
    const types = grant.contentTypes ? describeTypes(grant.contentTypes) : 'any accepted type';
    limits.textContent = `${types[0]!.toUpperCase()}${types.slice(1)}${grant.maxSize ? `, up to ${formatBytes(grant.maxSize)} each` : ''}.`;
    $('api-url').textContent = grant.apiUrl;
    $('site-id').textContent = grant.siteId;
    if (grant.contentTypes) input.accept = grant.contentTypes.join(',');
  } catch (error) {
    limits.textContent = (error as Error).message;
    limits.classList.add('error');
  }
}

async function showInterrupted() {
  for (const { entry, state, reason } of await recoverInterrupted()) {
    const row = addRow({ name: entry.fileName, size: entry.size });
    row.setUploadId(entry.uploadId);
    row.element.classList.add('interrupted');
    if (state) {
      // It was pending when the page went away; the answer says where it ended.
      row.settle(state as RowState, reason, [{ to: 'pending' }, { to: state }]);
      if (state === 'expired' && reason === 'cancelled')
        row.setMessage('Interrupted when the page was left: cancelled, nothing was kept.', 'info');
    } else {
      row.fail(
        'failed',
        'interrupted',
        'Interrupted when the page was left; it expires on its own.',
      );
    }
  }
}

cancelOnLeave();
wireDropZone();
document.body.dataset.ready = 'true';
void describeGrant();
void showInterrupted();
