import { randomUUID } from 'node:crypto';
import { allowedSources, canTransition, UPLOAD_STATES, type UploadState } from '../upload-state.ts';
import { WEBHOOK_STATES } from '../webhooks/webhook-event.ts';
import type { UploadProgress } from '../workers/worker.ports.ts';
import { portContract, type UploadWorld } from './upload-world.ts';

export type UploadProgressSubject = UploadWorld & { readonly uploads: UploadProgress };

const MOVES = UPLOAD_STATES.flatMap((to) => allowedSources(to).map((from) => ({ from, to })));
const REFUSED = UPLOAD_STATES.flatMap((from) =>
  UPLOAD_STATES.filter((to) => !canTransition(from, to)).map((to) => ({ from, to })),
);

/** The behaviour every {@link UploadProgress} shares: compare-and-set moves, with audit and outbox. */
export const describeUploadProgressContract = portContract<UploadProgressSubject>(
  'UploadProgress',
  (subject) => {
    it('finds an upload by id, and nothing for an unknown id', async () => {
      const { uploads, seed } = subject();
      const upload = await seed({ state: 'verified' });
      await expect(uploads.find(upload.id)).resolves.toMatchObject({
        id: upload.id,
        state: 'verified',
        customerId: upload.customerId,
        key: upload.key,
      });
      await expect(uploads.find(randomUUID())).resolves.toBeUndefined();
    });

    describe('findByObject', () => {
      const object = () => ({ bucket: 'uploads', key: `contract/${randomUUID()}.png` });

      it('prefers the upload waiting for bytes over a later dead one', async () => {
        const { uploads, seed } = subject();
        const at = object();
        const waiting = await seed({ ...at, state: 'pending' });
        await seed({ ...at, state: 'rejected' });
        await expect(uploads.findByObject(at.bucket, at.key)).resolves.toMatchObject({
          id: waiting.id,
        });
      });

      it('answers the latest when none is waiting, or the latest of two waiting', async () => {
        const { uploads, seed } = subject();
        const done = object();
        await seed({ ...done, state: 'rejected' });
        const latest = await seed({ ...done, state: 'ready' });
        await expect(uploads.findByObject(done.bucket, done.key)).resolves.toMatchObject({
          id: latest.id,
        });
        const busy = object();
        await seed({ ...busy, state: 'uploaded' });
        const second = await seed({ ...busy, state: 'pending' });
        await expect(uploads.findByObject(busy.bucket, busy.key)).resolves.toMatchObject({
          id: second.id,
        });
      });

      it('finds nothing at a key no upload has', async () => {
        const at = object();
        await expect(subject().uploads.findByObject(at.bucket, at.key)).resolves.toBeUndefined();
      });
    });

    it.each(['api-key', 'token'] as const)(
      'reports the issuer revoked once its %s is',
      async (issuer) => {
        const { uploads, seed, revokeIssuer } = subject();
        const upload = await seed({ issuer });
        await expect(uploads.issuerRevoked(upload.id)).resolves.toBe(false);
        await revokeIssuer(upload.id);
        await expect(uploads.issuerRevoked(upload.id)).resolves.toBe(true);
      },
    );

    it('never reports an upload with no issuer on record, or an unknown one, revoked', async () => {
      const { uploads, seed } = subject();
      const upload = await seed({ issuer: 'none' });
      await expect(uploads.issuerRevoked(upload.id)).resolves.toBe(false);
      await expect(uploads.issuerRevoked(randomUUID())).resolves.toBe(false);
    });

    it.each(['markScanRequested', 'markMediaRequested'] as const)(
      '%s is true once, then false; false for an unknown upload',
      async (mark) => {
        const { uploads, seed } = subject();
        const upload = await seed({ state: 'clean' });
        await expect(uploads[mark](upload.id)).resolves.toBe(true);
        await expect(uploads[mark](upload.id)).resolves.toBe(false);
        await expect(uploads[mark](randomUUID())).resolves.toBe(false);
        const field = mark === 'markScanRequested' ? 'scanRequestedAt' : 'mediaRequestedAt';
        expect((await uploads.find(upload.id))![field]).toBeInstanceOf(Date);
      },
    );

    it.each(MOVES)('moves $from → $to, with its audit event', async ({ from, to }) => {
      const { uploads, seed, moves } = subject();
      const upload = await seed({ state: from });
      const moved = await uploads.transition({
        uploadId: upload.id,
        to,
        reason: 'because',
        actor: 'contract',
        detail: { n: 1 },
      });
      expect(moved).toMatchObject({ id: upload.id, state: to, reason: 'because' });
      await expect(uploads.find(upload.id)).resolves.toMatchObject({ state: to });
      await expect(moves(upload.id)).resolves.toEqual([
        { from, to, reason: 'because', actor: 'contract', detail: { n: 1 } },
      ]);
    });

    it.each(REFUSED)('refuses $from → $to and changes nothing', async ({ from, to }) => {
      const { uploads, seed, moves } = subject();
      const upload = await seed({ state: from });
      await expect(
        uploads.transition({ uploadId: upload.id, to, actor: 'contract' }),
      ).resolves.toBeUndefined();
      await expect(uploads.find(upload.id)).resolves.toMatchObject({ state: from, reason: null });
      await expect(moves(upload.id)).resolves.toEqual([]);
    });

    it('does nothing for a replayed move, or an unknown upload', async () => {
      const { uploads, seed, moves } = subject();
      const upload = await seed({ state: 'uploaded' });
      const request = { uploadId: upload.id, to: 'verified' as const, actor: 'contract' };
      await expect(uploads.transition(request)).resolves.toMatchObject({ state: 'verified' });
      await expect(uploads.transition(request)).resolves.toBeUndefined();
      await expect(moves(upload.id)).resolves.toHaveLength(1);
      await expect(
        uploads.transition({ ...request, uploadId: randomUUID() }),
      ).resolves.toBeUndefined();
    });

    it('lets exactly one of two racing moves from the same state win', async () => {
      const { uploads, seed, moves } = subject();
      const upload = await seed({ state: 'pending' });
      // Neither move allows the other after it.
      const results = await Promise.all(
        (['uploaded', 'expired'] as const).map((to) =>
          uploads.transition({ uploadId: upload.id, to, actor: 'contract' }),
        ),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      const recorded = await moves(upload.id);
      expect(recorded).toEqual([
        expect.objectContaining({ from: 'pending', to: winners[0]!.state }),
      ]);
    });

    it('sets what verification found with the move, and later moves keep it', async () => {
      const { uploads, seed } = subject();
      const upload = await seed({ state: 'uploaded' });
      const verified = await uploads.transition({
        uploadId: upload.id,
        to: 'verified',
        actor: 'contract',
        detectedContentType: 'image/png',
        verifiedEtag: '"etag"',
        versionId: 'v1',
      });
      const found = { detectedContentType: 'image/png', verifiedEtag: '"etag"', versionId: 'v1' };
      expect(verified).toMatchObject(found);
      const clean = await uploads.transition({ uploadId: upload.id, to: 'clean', actor: 'c' });
      expect(clean).toMatchObject({ ...found, reason: null });
    });

    it.each(WEBHOOK_STATES)(
      'queues one webhook delivery with a move to %s when the customer has an endpoint',
      async (to) => {
        const { uploads, seed, deliveries } = subject();
        const from: UploadState = allowedSources(to)[0]!;
        const upload = await seed({ state: from, webhookEndpoint: true });
        await uploads.transition({ uploadId: upload.id, to, actor: 'contract' });
        await expect(deliveries(upload.id)).resolves.toEqual([
          { id: expect.any(String), state: to },
        ]);
      },
    );

    it('queues no delivery for a customer without an endpoint, nor for a move that is not final', async () => {
      const { uploads, seed, deliveries } = subject();
      const silent = await seed({ state: 'clean' });
      await uploads.transition({ uploadId: silent.id, to: 'ready', actor: 'contract' });
      await expect(deliveries(silent.id)).resolves.toEqual([]);
      const midway = await seed({ state: 'verified', webhookEndpoint: true });
      await uploads.transition({ uploadId: midway.id, to: 'clean', actor: 'contract' });
      await expect(deliveries(midway.id)).resolves.toEqual([]);
    });
  },
);
