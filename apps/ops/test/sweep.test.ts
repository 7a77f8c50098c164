import { randomBytes } from 'node:crypto';
import { StackClients, type Tenant } from '@airlock/testing';
import { airlock } from './support/run-cli.ts';
import { SweepFixtures } from './support/sweep-fixtures.ts';

// `airlock sweep` end to end: arguments in, JSON or a line out. What the sweep
// does, case by case, is tested without the CLI in operations/sweep.test.ts.
type SweepResult = {
  dryRun: false;
  graceSeconds: number;
  customer: string | null;
  counts: Record<string, number>;
  expired: string[];
  objectsRemoved: string[];
  objectsKept: string[];
  orphansAborted: Array<{ bucket: string; key: string; uploadId: string }>;
};
type DryRunResult = {
  dryRun: true;
  wouldExpire: Array<{ id: string; multipart: boolean }>;
  wouldAbortOrphans: Array<{ uploadId: string }>;
};

const stack = new StackClients();
let tenant: Tenant;
let fixtures: SweepFixtures;

async function sweep<T = SweepResult>(...args: string[]): Promise<T> {
  const run = await airlock(
    'sweep',
    '--customer',
    tenant.customerId,
    '--grace',
    '0',
    '--json',
    ...args,
  );
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  tenant = await stack.tenant();
  fixtures = new SweepFixtures(stack, tenant);
});

afterAll(async () => {
  await fixtures.close();
  await stack.close();
});

describe('airlock sweep', () => {
  it('--dry-run lists what would expire and changes nothing; then the sweep expires it', async () => {
    const withObject = await fixtures.expiredUpload({ put: true });
    const withoutObject = await fixtures.expiredUpload({ put: false });

    const dry = await sweep<DryRunResult>('--dry-run');
    expect(dry).toEqual({
      dryRun: true,
      graceSeconds: 0,
      customer: tenant.customerId,
      wouldExpire: [
        expect.objectContaining({ id: withObject.id, multipart: false }),
        expect.objectContaining({ id: withoutObject.id }),
      ],
      wouldAbortOrphans: [],
    });
    expect(await fixtures.stateOf(withObject.id)).toEqual({ state: 'pending', reason: null });

    const result = await sweep();
    expect(result).toMatchObject({
      dryRun: false,
      graceSeconds: 0,
      customer: tenant.customerId,
      expired: [withObject.id, withoutObject.id],
      objectsRemoved: [withObject.id],
    });
    expect(result.counts).toEqual({
      expired: 2,
      objectsRemoved: 1,
      objectsKept: 0,
      skipped: 0,
      multipartAborted: 0,
      orphansAborted: 0,
    });
    expect(await fixtures.stateOf(withObject.id)).toEqual({ state: 'expired', reason: 'expired' });
    expect(await fixtures.exists(withObject)).toBe(false);
  });

  it('--limit caps the run; without --json it prints counts (progress on stderr)', async () => {
    const first = await fixtures.expiredUpload({ put: true });
    const second = await fixtures.expiredUpload({ put: false });

    const run = await airlock(
      'sweep',
      '--customer',
      tenant.customerId,
      '--grace',
      '0',
      '--limit',
      '1',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      '1 upload expired, 1 object removed, 0 kept (in use by another upload), ' +
        '0 skipped (moved on meanwhile), 0 multipart uploads aborted (0 orphaned)\n',
    );
    expect(await fixtures.stateOf(first.id)).toMatchObject({ state: 'expired' });
    expect(await fixtures.stateOf(second.id)).toMatchObject({ state: 'pending' });

    // The default grace (300 s) still covers an upload that expired an hour ago.
    const rest = await airlock('sweep', '--customer', tenant.customerId, '--json');
    expect(JSON.parse(rest.stdout)).toMatchObject({ expired: [second.id] });
  });

  it('--bucket aborts multipart uploads no pending upload owns there', async () => {
    const sandbox = process.env.SANDBOX_BUCKET!;
    const orphan = await fixtures.multipartWithPart(
      sandbox,
      `orphan/${randomBytes(8).toString('hex')}`,
    );
    // A sweep of one customer leaves orphans (which belong to no customer) alone by default.
    expect((await sweep<DryRunResult>('--dry-run')).wouldAbortOrphans).toEqual([]);
    expect((await sweep<DryRunResult>('--dry-run', '--bucket', sandbox)).wouldAbortOrphans).toEqual(
      expect.arrayContaining([expect.objectContaining({ uploadId: orphan.uploadId })]),
    );

    const result = await sweep('--bucket', sandbox);
    expect(result.orphansAborted).toContainEqual(
      expect.objectContaining({ bucket: sandbox, key: orphan.key, uploadId: orphan.uploadId }),
    );
    expect(await fixtures.openIds(sandbox)).not.toContain(orphan.uploadId);
  });

  it('rejects a bad --customer with one line on stderr', async () => {
    const run = await airlock('sweep', '--customer', 'nope');
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--customer/);
  });
});
