import { randomBytes, randomUUID } from 'node:crypto';
import {
  anUpload,
  describeObjectIncidentsContract,
  describeObjectStoreContract,
  describeSiteDirectoryContract,
  describeUploadProgressContract,
  describeUploadRenditionsContract,
  describeUploadRepositoryContract,
  describeUploadScansContract,
  describeUploadTokenCounterContract,
  describeWebhookOutboxContract,
  InMemoryObjectIncidents,
  InMemoryObjectStore,
  InMemorySiteDirectory,
  InMemoryUploadProgress,
  InMemoryUploadRenditions,
  InMemoryUploadRepository,
  InMemoryUploadScans,
  InMemoryUploadTokenCounter,
  InMemoryWebhookOutbox,
  type UploadWorld,
} from '../testing.ts';

// The same suites run against PostgreSQL in libs/postgres/test/port-contracts.test.ts.

function inMemoryWorld() {
  const outbox = new InMemoryWebhookOutbox();
  const uploads = new InMemoryUploadProgress({ outbox });
  const world: UploadWorld = {
    async seed(options = {}) {
      const same = options.sameBytesAs;
      const customerId = same?.customerId ?? randomUUID();
      if (options.webhookEndpoint)
        outbox.setEndpoint(customerId, { url: 'https://hooks.example/a', secret: 'whsec_x' });
      const issuer = same ? 'token' : (options.issuer ?? 'api-key');
      return uploads.add(
        anUpload({
          customerId,
          siteId: same?.siteId ?? randomUUID(),
          dedupScope: `customer:${customerId}`,
          declaredSha256: same?.declaredSha256 ?? randomBytes(32).toString('hex'),
          state: options.state ?? 'pending',
          ...(options.bucket ? { bucket: options.bucket } : {}),
          ...(options.key ? { key: options.key } : {}),
          apiKeyId: issuer === 'api-key' ? randomUUID() : null,
          uploadTokenId: issuer === 'token' ? randomUUID() : null,
        }),
      );
    },
    async revokeIssuer(uploadId) {
      uploads.revokeIssuer(uploadId);
    },
    async moves(uploadId) {
      return uploads.transitions
        .filter((t) => t.uploadId === uploadId)
        .map((t) => ({
          from: t.from,
          to: t.to,
          reason: t.reason ?? null,
          actor: t.actor,
          detail: t.detail ?? null,
        }));
    },
    async deliveries(uploadId) {
      return outbox
        .forUpload(uploadId)
        .map((d) => ({ id: d.event.deliveryId, state: d.event.state }));
    },
    async removeEndpoint(customerId) {
      outbox.setEndpoint(customerId, undefined);
    },
  };
  return { ...world, uploads, outbox };
}

describeUploadProgressContract('in memory', inMemoryWorld);

describeUploadScansContract('in memory', () => {
  const world = inMemoryWorld();
  const scans = new InMemoryUploadScans(world.uploads);
  return {
    ...world,
    scans,
    scansOf: async (uploadId) => scans.scans.filter((s) => s.uploadId === uploadId),
  };
});

describeWebhookOutboxContract('in memory', inMemoryWorld);

describeUploadRenditionsContract('in memory', () => ({
  renditions: new InMemoryUploadRenditions(),
  upload: async () => randomUUID(),
}));

describeObjectIncidentsContract('in memory', () => {
  const incidents = new InMemoryObjectIncidents();
  return {
    incidents,
    upload: async () => randomUUID(),
    at: async (bucket, key) =>
      incidents.incidents.filter((i) => i.bucket === bucket && i.key === key),
  };
});

describeUploadRepositoryContract('in memory', () => ({
  uploads: new InMemoryUploadRepository(),
  tenant: async () => {
    const customerId = randomUUID();
    return {
      customerId,
      siteId: randomUUID(),
      dedupScope: `customer:${customerId}`,
      apiKeyId: randomUUID(),
    };
  },
}));

describeUploadTokenCounterContract('in memory', () => {
  const counter = new InMemoryUploadTokenCounter();
  return {
    counter,
    token: async (maxUploads) => {
      const id = randomUUID();
      counter.add(id, maxUploads);
      return id;
    },
    revoke: async (tokenId) => counter.revoke(tokenId),
    expire: async (tokenId) => counter.revoke(tokenId),
  };
});

describeSiteDirectoryContract('in memory', () => {
  const sites = new InMemorySiteDirectory();
  return {
    sites,
    site: async () => {
      const site = { id: randomUUID(), customerId: randomUUID(), name: 'site' };
      sites.add(site);
      return site;
    },
  };
});

describeObjectStoreContract('in memory', () => ({
  objects: new InMemoryObjectStore(),
  bucket: 'uploads',
}));
