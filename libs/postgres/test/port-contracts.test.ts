import {
  describeObjectIncidentsContract,
  describeSiteDirectoryContract,
  describeUploadProgressContract,
  describeUploadRenditionsContract,
  describeUploadRepositoryContract,
  describeUploadScansContract,
  describeUploadTokenCounterContract,
  describeWebhookOutboxContract,
} from '@airlock/core/testing';
import {
  PgObjectIncidents,
  PgSiteDirectory,
  PgUploadRenditions,
  PgUploadScans,
  PgUploadTokens,
  PgWebhookOutbox,
  type Pool,
} from '../src/index.ts';
import { useTestDatabase, pgWorld, tenant, uploadToken } from './test-database.ts';

// The suites core's fakes run (libs/core/src/port-contracts/in-memory.spec.ts),
// here against the adapters on a real, freshly migrated PostgreSQL database.

let pool: Pool;
useTestDatabase((created) => (pool = created));

describeUploadProgressContract('PostgreSQL', () => pgWorld(pool));

describeUploadScansContract('PostgreSQL', () => {
  const scans = new PgUploadScans({ pool });
  return {
    ...pgWorld(pool),
    scans,
    scansOf: async (uploadId) =>
      (await scans.forUpload(uploadId)).map(({ scannedAt: _at, ...scan }) => scan),
  };
});

describeWebhookOutboxContract('PostgreSQL', () => ({
  ...pgWorld(pool),
  outbox: new PgWebhookOutbox({ pool }),
}));

describeUploadRenditionsContract('PostgreSQL', () => ({
  renditions: new PgUploadRenditions({ pool }),
  upload: async () => (await pgWorld(pool).seed({ state: 'clean' })).id,
}));

describeObjectIncidentsContract('PostgreSQL', () => {
  const incidents = new PgObjectIncidents({ pool });
  return {
    incidents,
    upload: async () => (await pgWorld(pool).seed()).id,
    at: async (bucket, key) =>
      (await incidents.forKey(bucket, key)).map(({ at: _at, ...incident }) => incident),
  };
});

describeUploadRepositoryContract('PostgreSQL', () => ({
  uploads: pgWorld(pool).uploads,
  tenant: async () => {
    const owner = await tenant(pool);
    return { ...owner, dedupScope: `customer:${owner.customerId}` };
  },
}));

describeUploadTokenCounterContract('PostgreSQL', () => ({
  counter: new PgUploadTokens({ pool }),
  token: async (maxUploads) => uploadToken(pool, await tenant(pool), maxUploads),
  revoke: async (tokenId) => {
    await pool.query('UPDATE upload_tokens SET revoked_at = now() WHERE id = $1', [tokenId]);
  },
  expire: async (tokenId) => {
    await pool.query('UPDATE upload_tokens SET expires_at = created_at WHERE id = $1', [tokenId]);
  },
}));

describeSiteDirectoryContract('PostgreSQL', () => ({
  sites: new PgSiteDirectory({ pool }),
  site: async () => {
    const owner = await tenant(pool);
    return { id: owner.siteId, customerId: owner.customerId, name: 'site' };
  },
}));
