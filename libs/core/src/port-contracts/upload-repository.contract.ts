import { randomBytes, randomUUID } from 'node:crypto';
import type { MultipartRecord, UploadRepository } from '../uploads/upload.ports.ts';
import type { NewUpload } from '../uploads/upload.types.ts';
import { portContract } from './upload-world.ts';

/** Who an upload belongs to; an API key of the customer, for the issuer fields. */
export type RepositoryTenant = Pick<NewUpload, 'customerId' | 'siteId' | 'dedupScope'> & {
  readonly apiKeyId: string;
};

export type UploadRepositorySubject = {
  readonly uploads: UploadRepository;
  /** A new customer with one site and one API key. */
  tenant(): Promise<RepositoryTenant>;
};

const HOUR = 3_600_000;

export function newUpload(tenant: RepositoryTenant, overrides: Partial<NewUpload> = {}): NewUpload {
  const sha256 = randomBytes(32).toString('hex');
  return {
    customerId: tenant.customerId,
    siteId: tenant.siteId,
    dedupScope: tenant.dedupScope,
    originalName: 'photo.png',
    declaredContentType: 'image/png',
    declaredSize: 1234,
    declaredSha256: sha256,
    category: 'images',
    bucket: 'uploads',
    key: `contract/${sha256}.png`,
    expiresAt: new Date(Date.now() + HOUR),
    ...overrides,
  };
}

const plan: MultipartRecord = { multipartUploadId: 'mpu-1', partSize: 8_388_608, partCount: 3 };

/** The behaviour every {@link UploadRepository} shares: one live upload per scope and hash, compare-and-set. */
export const describeUploadRepositoryContract = portContract<UploadRepositorySubject>(
  'UploadRepository',
  (subject) => {
    async function pending(overrides: Partial<NewUpload> = {}) {
      const tenant = await subject().tenant();
      const upload = await subject().uploads.insertPending(newUpload(tenant, overrides), 'api');
      return { tenant, upload: upload! };
    }

    it('inserts a pending upload with its first audit event', async () => {
      const { uploads, tenant } = subject();
      const request = newUpload(await tenant());
      const upload = await uploads.insertPending(request, 'api');
      expect(upload).toMatchObject({
        ...request,
        id: expect.any(String),
        state: 'pending',
        reason: null,
        detectedContentType: null,
        verifiedEtag: null,
        versionId: null,
        apiKeyId: null,
      });
      await expect(uploads.find(upload!.id)).resolves.toEqual(upload);
      await expect(uploads.findWithHistory(upload!.id)).resolves.toEqual({
        upload,
        history: [
          { fromState: null, toState: 'pending', reason: null, actor: 'api', at: expect.any(Date) },
        ],
      });
    });

    it('finds nothing for an unknown id', async () => {
      const { uploads } = subject();
      await expect(uploads.find(randomUUID())).resolves.toBeUndefined();
      await expect(uploads.findWithHistory(randomUUID())).resolves.toBeUndefined();
    });

    it('keeps one live upload per scope and hash; the twin is refused, not an error', async () => {
      const { uploads } = subject();
      const { tenant, upload } = await pending();
      const twin = newUpload(tenant, { declaredSha256: upload.declaredSha256 });
      await expect(uploads.insertPending(twin, 'api')).resolves.toBeUndefined();
      await expect(
        uploads.findLiveByHash(tenant.dedupScope, upload.declaredSha256),
      ).resolves.toMatchObject({ id: upload.id });
    });

    it("refuses a dedup scope other than the customer's own", async () => {
      const { uploads, tenant } = subject();
      const [owner, other] = [await tenant(), await tenant()];
      const foreign = newUpload(owner, { dedupScope: other.dedupScope });
      await expect(uploads.insertPending(foreign, 'api')).rejects.toThrow();
    });

    it('lets exactly one of two racing twins in', async () => {
      const { uploads, tenant } = subject();
      const request = newUpload(await tenant());
      const results = await Promise.all([
        uploads.insertPending(request, 'api'),
        uploads.insertPending(request, 'api'),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('inserts unless live in one go: the new upload with its audit event, else the live one', async () => {
      const { uploads, tenant } = subject();
      const owner = await tenant();
      const request = newUpload(owner);
      const first = await uploads.insertPendingUnlessLive(request, 'api');
      expect(first).toEqual({
        upload: expect.objectContaining({ ...request, state: 'pending' }),
        created: true,
      });
      await expect(uploads.findWithHistory(first!.upload.id)).resolves.toMatchObject({
        history: [{ fromState: null, toState: 'pending', actor: 'api' }],
      });
      const twin = newUpload(owner, { declaredSha256: request.declaredSha256 });
      await expect(uploads.insertPendingUnlessLive(twin, 'api')).resolves.toEqual({
        upload: first!.upload,
        created: false,
      });
      await uploads.cancelPending(first!.upload.id, 'api');
      await expect(uploads.insertPendingUnlessLive(twin, 'api')).resolves.toMatchObject({
        upload: { state: 'pending', key: twin.key },
        created: true,
      });
    });

    it("never answers with another scope's upload when inserting unless live", async () => {
      const { uploads, tenant } = subject();
      const { upload } = await pending();
      const elsewhere = newUpload(await tenant(), { declaredSha256: upload.declaredSha256 });
      const found = await uploads.insertPendingUnlessLive(elsewhere, 'api');
      expect(found).toMatchObject({ created: true, upload: { customerId: elsewhere.customerId } });
      expect(found!.upload.id).not.toBe(upload.id);
    });

    it('lets exactly one of two racing twins in when inserting unless live', async () => {
      const { uploads, tenant } = subject();
      const request = newUpload(await tenant());
      const results = await Promise.all([
        uploads.insertPendingUnlessLive(request, 'api'),
        uploads.insertPendingUnlessLive(request, 'api'),
      ]);
      expect(results.filter((r) => r?.created)).toHaveLength(1);
      // The loser saw the winner, or lost the race outright (undefined: look again).
      for (const result of results.filter((r) => r && !r.created)) {
        expect(result!.upload.id).toBe(results.find((r) => r?.created)!.upload.id);
      }
    });

    it('finds by hash only within the scope, and only while the upload lives', async () => {
      const { uploads, tenant } = subject();
      const { tenant: owner, upload } = await pending();
      const other = await tenant();
      await expect(
        uploads.findLiveByHash(other.dedupScope, upload.declaredSha256),
      ).resolves.toBeUndefined();
      const elsewhere = newUpload(other, { declaredSha256: upload.declaredSha256 });
      await expect(uploads.insertPending(elsewhere, 'api')).resolves.toBeDefined();
      await uploads.cancelPending(upload.id, 'api');
      await expect(
        uploads.findLiveByHash(owner.dedupScope, upload.declaredSha256),
      ).resolves.toBeUndefined();
      const again = newUpload(owner, { declaredSha256: upload.declaredSha256 });
      await expect(uploads.insertPending(again, 'api')).resolves.toMatchObject({
        state: 'pending',
      });
    });

    it('extends a pending upload, never shortening it, recording the issuer when given', async () => {
      const { uploads } = subject();
      const { tenant, upload } = await pending();
      const later = new Date(upload.expiresAt.getTime() + HOUR);
      await expect(uploads.extendPending(upload.id, later, tenant.apiKeyId)).resolves.toMatchObject(
        { expiresAt: later, apiKeyId: tenant.apiKeyId },
      );
      await expect(
        uploads.extendPending(upload.id, new Date(Date.now() + 60_000)),
      ).resolves.toMatchObject({ expiresAt: later, apiKeyId: tenant.apiKeyId });
      await uploads.cancelPending(upload.id, 'api');
      await expect(uploads.extendPending(upload.id, later)).resolves.toBeUndefined();
    });

    it('attaches a multipart plan once, only while pending', async () => {
      const { uploads } = subject();
      const { tenant, upload } = await pending();
      const later = new Date(upload.expiresAt.getTime() + HOUR);
      await expect(
        uploads.attachMultipart(upload.id, plan, later, tenant.apiKeyId),
      ).resolves.toMatchObject({ ...plan, expiresAt: later, apiKeyId: tenant.apiKeyId });
      await expect(
        uploads.attachMultipart(upload.id, { ...plan, multipartUploadId: 'mpu-2' }, later),
      ).resolves.toBeUndefined();
      const { upload: cancelled } = await pending();
      await uploads.cancelPending(cancelled.id, 'api');
      await expect(uploads.attachMultipart(cancelled.id, plan, later)).resolves.toBeUndefined();
    });

    it('marks a multipart upload completed once, and never one sent in one request', async () => {
      const { uploads } = subject();
      const { upload: single } = await pending();
      await expect(uploads.markMultipartCompleted(single.id)).resolves.toBeUndefined();
      const { tenant, upload } = await pending(plan);
      await expect(
        uploads.markMultipartCompleted(upload.id, tenant.apiKeyId),
      ).resolves.toMatchObject({
        multipartCompletedAt: expect.any(Date),
        apiKeyId: tenant.apiKeyId,
      });
      await expect(uploads.markMultipartCompleted(upload.id)).resolves.toBeUndefined();
    });

    it('cancels a pending upload once, with its audit event', async () => {
      const { uploads } = subject();
      const { upload } = await pending();
      await expect(uploads.cancelPending(upload.id, 'caller')).resolves.toMatchObject({
        state: 'expired',
        reason: 'cancelled',
      });
      await expect(uploads.cancelPending(upload.id, 'caller')).resolves.toBeUndefined();
      const { history } = (await uploads.findWithHistory(upload.id))!;
      expect(history.map((t) => [t.fromState, t.toState, t.reason, t.actor])).toEqual([
        [null, 'pending', null, 'api'],
        ['pending', 'expired', 'cancelled', 'caller'],
      ]);
    });

    it('does not cancel a multipart upload whose parts were completed', async () => {
      const { uploads } = subject();
      const { upload } = await pending(plan);
      await uploads.markMultipartCompleted(upload.id);
      await expect(uploads.cancelPending(upload.id, 'caller')).resolves.toBeUndefined();
      await expect(uploads.find(upload.id)).resolves.toMatchObject({ state: 'pending' });
    });
  },
);
