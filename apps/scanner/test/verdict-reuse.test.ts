import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStackHome } from '@airlock/config';
import { PgUploadScans } from '@airlock/postgres';
import {
  airlockJson,
  EICAR,
  fileOf,
  putPresigned,
  StackClients,
  until,
  waitForState,
  type Tenant,
  type TestFile,
  type UploadCreated,
} from '@airlock/testing';

// Through the stack's own processes: API → S3 → verifier → scanner → clamd.
// clamd logs every scan (LogClean yes in the stack's clamd.conf), so the
// number of `instream(…)` lines says whether clamd was asked.
const stack = new StackClients();
const scans = new PgUploadScans({ pool: stack.pool });
const clamdLog = join(localStackHome(), 'logs', 'clamd.log');
const clamdScans = () =>
  readFileSync(clamdLog, 'utf8')
    .split('\n')
    .filter((line) => /instream\(.*\): .*(OK|FOUND)$/.test(line)).length;

afterAll(() => stack.close());

/** A PDF the verifier accepts and clamd finds clean: unique bytes per call. */
const cleanPdf = () =>
  fileOf(
    `%PDF-1.7\n% airlock reuse ${Date.now()} ${Math.random()}\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n`,
  );

/**
 * The same customer sending bytes again: through a browser upload token of
 * its own, which dedups only within itself, so the API makes a new upload.
 */
async function throughToken(owner: Tenant, file: TestFile, contentType: string) {
  const api = stack.apiUrl;
  const call = async <Body>(path: string, bearer: string, body: unknown): Promise<Body> => {
    const response = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Body;
  };
  const { token } = await call<{ token: string }>('/v1/upload-tokens', owner.apiKey, {
    siteId: owner.siteId,
  });
  const created = await call<UploadCreated>('/v1/uploads', token, {
    fileName: 'again',
    contentType,
    size: file.size,
    sha256: file.sha256,
  });
  expect(await putPresigned(created.upload, file.bytes)).toBe(200);
  return created.uploadId;
}

const cleanDetail = async (uploadId: string) => {
  const { rows } = await stack.pool.query<{ detail: Record<string, unknown> }>(
    `SELECT detail FROM upload_events WHERE upload_id = $1 AND to_state = 'clean'`,
    [uploadId],
  );
  return rows[0]?.detail;
};

describe('each content is scanned once per customer and signature version', () => {
  it('answers the same customer’s repeat clean without clamd, naming the scan it reused', async () => {
    const owner = await stack.tenant();
    const file = cleanPdf();
    const first = await stack.uploadThroughApi(owner, file, 'application/pdf');
    await waitForState(stack.uploads, first.uploadId, ['ready']);
    const [original] = await scans.forUpload(first.uploadId);
    expect(original).toMatchObject({ result: 'clean', reusedFrom: undefined });
    const { rows } = await stack.pool.query<{ id: string }>(
      `SELECT id::text FROM upload_scans WHERE upload_id = $1`,
      [first.uploadId],
    );

    const asked = clamdScans();
    const again = await throughToken(owner, file, 'application/pdf');
    const { upload } = await waitForState(stack.uploads, again, ['ready', 'quarantined']);
    expect(upload.state).toBe('ready');
    expect(clamdScans()).toBe(asked);
    const [reused] = await scans.forUpload(again);
    expect(reused).toMatchObject({
      trigger: 'upload',
      result: 'clean',
      engine: original!.engine,
      signatures: original!.signatures,
      reusedFrom: rows[0]!.id,
    });
    expect(await cleanDetail(again)).toMatchObject({ reusedFrom: rows[0]!.id });
  });

  it('scans another customer’s same bytes: verdicts never cross tenants', async () => {
    const file = cleanPdf();
    const first = await stack.uploadThroughApi(await stack.tenant(), file, 'application/pdf');
    await waitForState(stack.uploads, first.uploadId, ['ready']);
    const asked = clamdScans();
    const other = await stack.uploadThroughApi(await stack.tenant(), file, 'application/pdf');
    await waitForState(stack.uploads, other.uploadId, ['ready']);
    expect(clamdScans()).toBe(asked + 1);
    expect(await scans.forUpload(other.uploadId)).toMatchObject([{ reusedFrom: undefined }]);
  });

  it('sends an infected repeat to clamd again: it is quarantined again', async () => {
    const owner = await stack.tenant();
    const file = fileOf(`${EICAR}\n`);
    const first = await stack.uploadThroughApi(owner, file, 'text/plain');
    await waitForState(stack.uploads, first.uploadId, ['quarantined']);
    const asked = clamdScans();
    const again = await throughToken(owner, file, 'text/plain');
    const { upload } = await waitForState(stack.uploads, again, ['quarantined', 'ready']);
    expect(upload.state).toBe('quarantined');
    expect(clamdScans()).toBe(asked + 1);
    expect(await scans.forUpload(again)).toMatchObject([{ result: 'infected' }]);
  });

  it('scans again when the clean verdict was reached under other signatures', async () => {
    const owner = await stack.tenant();
    const file = cleanPdf();
    const first = await stack.uploadThroughApi(owner, file, 'application/pdf');
    await waitForState(stack.uploads, first.uploadId, ['ready']);
    // As if clamd had loaded a newer database since: the verdict on record is
    // under signatures clamd no longer has.
    await stack.pool.query(
      `UPDATE upload_scans SET signatures = signatures || '-before-update' WHERE upload_id = $1`,
      [first.uploadId],
    );
    const asked = clamdScans();
    const again = await throughToken(owner, file, 'application/pdf');
    await waitForState(stack.uploads, again, ['ready']);
    expect(clamdScans()).toBe(asked + 1);
    expect(await scans.forUpload(again)).toMatchObject([
      { result: 'clean', reusedFrom: undefined },
    ]);
  });

  it('airlock rescan asks clamd again for content whose verdict was reused', async () => {
    const since = new Date();
    const owner = await stack.tenant();
    const file = cleanPdf();
    const first = await stack.uploadThroughApi(owner, file, 'application/pdf');
    await waitForState(stack.uploads, first.uploadId, ['ready']);
    const again = await throughToken(owner, file, 'application/pdf');
    await waitForState(stack.uploads, again, ['ready']);

    const asked = clamdScans();
    const selection = ['--since', since.toISOString(), '--customer', owner.customerId];
    expect(await airlockJson('rescan', ...selection)).toMatchObject({ queued: 2 });
    for (const uploadId of [first.uploadId, again]) {
      const rescanned = await until('the rescan', async () =>
        (await scans.forUpload(uploadId)).find((scan) => scan.trigger === 'rescan'),
      );
      expect(rescanned).toMatchObject({ result: 'clean', reusedFrom: undefined });
    }
    expect(clamdScans()).toBe(asked + 2);
  });
});
