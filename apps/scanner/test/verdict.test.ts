import { randomUUID } from 'node:crypto';
import type { UploadState } from '@airlock/core';
import { PgUploadScans, type UploadScan } from '@airlock/postgres';
import { fileOf, StackClients, type Tenant } from '@airlock/testing';

// Against the stack's PostgreSQL: the scanner's verdict and the move it decides
// are one statement (issue 12, finding 17), so a kill can never fall between them.
const stack = new StackClients();
const scans = new PgUploadScans({ pool: stack.pool });
const sandbox = process.env.SANDBOX_BUCKET!;
let tenant: Tenant;

beforeAll(async () => {
  tenant = await stack.tenant();
});
afterAll(() => stack.close());

const staged = () =>
  stack.stageVerified(
    sandbox,
    tenant,
    fileOf(`%PDF-1.7\n% verdict ${randomUUID()}\n%%EOF\n`),
    'application/pdf',
  );

const hit = (uploadId: string): UploadScan => ({
  uploadId,
  trigger: 'upload',
  result: 'infected',
  signature: 'Airlock.Test.Marker.UNOFFICIAL',
  engine: 'ClamAV 1.4.3',
  signatures: '',
});

const quarantine = {
  to: 'quarantined' as const,
  reason: 'Airlock.Test.Marker.UNOFFICIAL',
  actor: 'scanner',
  detail: { engine: 'ClamAV 1.4.3', signatures: '' },
};

async function eventsOf(uploadId: string) {
  const { rows } = await stack.pool.query(
    'SELECT from_state, to_state, reason, actor FROM upload_events WHERE upload_id = $1 ORDER BY id',
    [uploadId],
  );
  return rows;
}

describe('PgUploadScans.recordVerdict', () => {
  it('records the scan, moves the upload and appends its audit event together', async () => {
    const upload = await staged();
    const moved = await scans.recordVerdict(hit(upload.id), quarantine);
    expect(moved).toMatchObject({
      id: upload.id,
      state: 'quarantined',
      reason: 'Airlock.Test.Marker.UNOFFICIAL',
    });
    expect(await scans.forUpload(upload.id)).toEqual([
      expect.objectContaining({ result: 'infected', signature: 'Airlock.Test.Marker.UNOFFICIAL' }),
    ]);
    expect((await eventsOf(upload.id)).at(-1)).toEqual({
      from_state: 'verified',
      to_state: 'quarantined',
      reason: 'Airlock.Test.Marker.UNOFFICIAL',
      actor: 'scanner',
    });
  });

  it('a replay records its scan but moves nothing and writes no second event', async () => {
    const upload = await staged();
    await scans.recordVerdict(hit(upload.id), quarantine);
    const before = await eventsOf(upload.id);
    expect(await scans.recordVerdict(hit(upload.id), quarantine)).toBeUndefined();
    expect(await eventsOf(upload.id)).toEqual(before);
    expect(await scans.forUpload(upload.id)).toHaveLength(2);
    expect((await stack.uploads.find(upload.id))!.state).toBe('quarantined');
  });

  it('a verdict that cannot be stored moves nothing: the upload stays verified, no event', async () => {
    const upload = await staged();
    const before = await eventsOf(upload.id);
    // A trigger the table refuses: the scan insert fails inside the statement.
    const broken = { ...hit(upload.id), trigger: 'bogus' as UploadScan['trigger'] };
    await expect(scans.recordVerdict(broken, quarantine)).rejects.toThrow(
      /upload_scans_trigger_check/,
    );
    expect((await stack.uploads.find(upload.id))!.state).toBe('verified');
    expect(await eventsOf(upload.id)).toEqual(before);
    expect(await scans.forUpload(upload.id)).toEqual([]);
  });

  it('a move that cannot be made stores no verdict either', async () => {
    const upload = await staged();
    const bogus = { ...quarantine, to: 'bogus' as UploadState };
    await expect(scans.recordVerdict(hit(upload.id), bogus)).rejects.toThrow(/upload_state/);
    expect(await scans.forUpload(upload.id)).toEqual([]);
    expect((await stack.uploads.find(upload.id))!.state).toBe('verified');
  });

  it('with no move, only records the scan (a rescan of clean bytes, a hold)', async () => {
    const upload = await staged();
    const clean: UploadScan = { ...hit(upload.id), result: 'clean', signature: undefined };
    expect(await scans.recordVerdict(clean)).toBeUndefined();
    expect(await scans.forUpload(upload.id)).toEqual([
      expect.objectContaining({ result: 'clean', signature: undefined }),
    ]);
    expect((await stack.uploads.find(upload.id))!.state).toBe('verified');
  });

  it('stores an encrypted verdict (migration 1764000300000)', async () => {
    const upload = await staged();
    const encrypted: UploadScan = {
      ...hit(upload.id),
      result: 'encrypted',
      signature: 'Heuristics.Encrypted.PDF',
    };
    await scans.recordVerdict(encrypted, {
      ...quarantine,
      reason: 'encrypted_content: Heuristics.Encrypted.PDF',
    });
    expect(await scans.forUpload(upload.id)).toEqual([
      expect.objectContaining({ result: 'encrypted', signature: 'Heuristics.Encrypted.PDF' }),
    ]);
    expect((await stack.uploads.find(upload.id))!.reason).toBe(
      'encrypted_content: Heuristics.Encrypted.PDF',
    );
  });
});
