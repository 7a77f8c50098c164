import { PgUploadScans, type Pool } from '../src/index.ts';
import { pgWorld, useTestDatabase } from './test-database.ts';

// core's UploadScans contract (port-contracts.test.ts) covers the verdicts;
// this is what only a failing statement can show.

let pool: Pool;
useTestDatabase((created) => (pool = created));

it('records neither the verdict nor its move when the move cannot be written', async () => {
  const world = pgWorld(pool);
  const scans = new PgUploadScans({ pool });
  const upload = await world.seed({ state: 'verified', webhookEndpoint: true });
  const scan = {
    uploadId: upload.id,
    trigger: 'upload' as const,
    result: 'infected' as const,
    signature: 'Eicar-Test-Signature',
    engine: 'ClamAV',
    signatures: '1',
  };
  // jsonb refuses a NUL character: the audit event, last in the statement, fails.
  const move = { to: 'quarantined' as const, actor: 'scanner', detail: { note: '\u0000' } };
  await expect(scans.recordVerdict(scan, move)).rejects.toThrow(/Unicode escape/);
  await expect(scans.forUpload(upload.id)).resolves.toEqual([]);
  await expect(world.uploads.find(upload.id)).resolves.toMatchObject({ state: 'verified' });
  await expect(world.deliveries(upload.id)).resolves.toEqual([]);
});
