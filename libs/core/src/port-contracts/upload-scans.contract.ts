import type { UploadScan, UploadScans } from '../workers/worker.ports.ts';
import { portContract, type UploadWorld } from './upload-world.ts';

export type UploadScansSubject = UploadWorld & {
  readonly scans: UploadScans;
  /** The scans recorded for the upload, oldest first. */
  scansOf(uploadId: string): Promise<UploadScan[]>;
};

const scanOf = (uploadId: string, overrides: Partial<UploadScan> = {}): UploadScan => ({
  uploadId,
  trigger: 'upload',
  result: 'clean',
  signature: undefined,
  engine: 'ClamAV 1.4.3',
  signatures: '27800',
  ...overrides,
});

/** The behaviour every {@link UploadScans} shares: a verdict and its move, together. */
export const describeUploadScansContract = portContract<UploadScansSubject>(
  'UploadScans',
  (subject) => {
    it('records every scan, oldest first', async () => {
      const { scans, seed, scansOf } = subject();
      const upload = await seed({ state: 'ready' });
      const first = scanOf(upload.id);
      const second = scanOf(upload.id, {
        trigger: 'rescan',
        result: 'infected',
        signature: 'Eicar-Test-Signature',
      });
      await scans.record(first);
      await scans.record(second);
      await expect(scansOf(upload.id)).resolves.toEqual([first, second]);
    });

    it('records a verdict without a move and moves nothing', async () => {
      const { scans, seed, scansOf, moves } = subject();
      const upload = await seed({ state: 'ready' });
      const scan = scanOf(upload.id, { trigger: 'rescan' });
      await expect(scans.recordVerdict(scan)).resolves.toBeUndefined();
      await expect(scansOf(upload.id)).resolves.toEqual([scan]);
      await expect(moves(upload.id)).resolves.toEqual([]);
    });

    it('records a verdict with its move, audit event and webhook delivery', async () => {
      const { scans, seed, scansOf, moves, deliveries } = subject();
      const upload = await seed({ state: 'verified', webhookEndpoint: true });
      const scan = scanOf(upload.id, { result: 'infected', signature: 'Eicar-Test-Signature' });
      const move = {
        to: 'quarantined' as const,
        reason: 'infected',
        actor: 'scanner',
        detail: { signature: 'Eicar-Test-Signature' },
      };
      await expect(scans.recordVerdict(scan, move)).resolves.toMatchObject({
        id: upload.id,
        state: 'quarantined',
        reason: 'infected',
      });
      await expect(scansOf(upload.id)).resolves.toEqual([scan]);
      await expect(moves(upload.id)).resolves.toEqual([{ from: 'verified', ...move }]);
      await expect(deliveries(upload.id)).resolves.toMatchObject([{ state: 'quarantined' }]);
    });

    it('still records the scan of a replay whose upload already moved, and moves nothing', async () => {
      const { scans, seed, scansOf, moves } = subject();
      const upload = await seed({ state: 'verified' });
      const scan = scanOf(upload.id);
      const move = { to: 'clean' as const, actor: 'scanner' };
      await expect(scans.recordVerdict(scan, move)).resolves.toMatchObject({ state: 'clean' });
      await expect(scans.recordVerdict(scan, move)).resolves.toBeUndefined();
      await expect(scansOf(upload.id)).resolves.toEqual([scan, scan]);
      await expect(moves(upload.id)).resolves.toHaveLength(1);
    });

    it('answers the latest verdict on the same bytes of the same customer, naming the scan clamd made', async () => {
      const { scans, seed } = subject();
      const first = await seed({ state: 'ready' });
      const again = await seed({ state: 'verified', sameBytesAs: first });
      const key = {
        customerId: again.customerId,
        sha256: again.declaredSha256,
        engine: 'ClamAV 1.4.3',
        signatures: '27800',
      };
      await expect(scans.latestVerdict(key)).resolves.toBeUndefined();
      await scans.record(scanOf(first.id));
      const prior = await scans.latestVerdict(key);
      expect(prior).toEqual({ scanId: expect.any(String), result: 'clean' });
      await scans.recordVerdict(scanOf(again.id, { reusedFrom: prior!.scanId }), {
        to: 'clean',
        actor: 'scanner',
      });
      await expect(scans.latestVerdict(key)).resolves.toEqual(prior);
      await scans.record(
        scanOf(first.id, { trigger: 'rescan', result: 'infected', signature: 'New.Sig' }),
      );
      await expect(scans.latestVerdict(key)).resolves.toMatchObject({ result: 'infected' });
    });

    it('never answers for another customer, engine or signature version', async () => {
      const { scans, seed } = subject();
      const upload = await seed({ state: 'ready' });
      const stranger = await seed({ state: 'verified' });
      await scans.record(scanOf(upload.id));
      const key = {
        customerId: upload.customerId,
        sha256: upload.declaredSha256,
        engine: 'ClamAV 1.4.3',
        signatures: '27800',
      };
      await expect(scans.latestVerdict(key)).resolves.toMatchObject({ result: 'clean' });
      for (const other of [
        { customerId: stranger.customerId },
        { engine: 'ClamAV 1.5.0' },
        { signatures: '27801' },
      ]) {
        await expect(scans.latestVerdict({ ...key, ...other })).resolves.toBeUndefined();
      }
    });

    it('refuses a move the state machine does not allow, keeping the scan', async () => {
      const { scans, seed, scansOf, moves } = subject();
      const upload = await seed({ state: 'pending' });
      const scan = scanOf(upload.id);
      await expect(
        scans.recordVerdict(scan, { to: 'clean', actor: 'scanner' }),
      ).resolves.toBeUndefined();
      await expect(scansOf(upload.id)).resolves.toEqual([scan]);
      await expect(moves(upload.id)).resolves.toEqual([]);
    });
  },
);
