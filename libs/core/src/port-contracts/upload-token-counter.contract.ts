import { randomUUID } from 'node:crypto';
import type { UploadTokenCounter } from '../uploads/upload.ports.ts';
import { portContract } from './upload-world.ts';

export type UploadTokenCounterSubject = {
  readonly counter: UploadTokenCounter;
  /** A new live token that may create `maxUploads` uploads; its id. */
  token(maxUploads: number): Promise<string>;
  revoke(tokenId: string): Promise<void>;
  expire(tokenId: string): Promise<void>;
};

/** The behaviour every {@link UploadTokenCounter} shares: never past the limit, never below zero. */
export const describeUploadTokenCounterContract = portContract<UploadTokenCounterSubject>(
  'UploadTokenCounter',
  (subject) => {
    it('counts up to the limit and no further; a give-back frees one', async () => {
      const { counter, token } = subject();
      const id = await token(2);
      await expect(counter.claimUpload(id)).resolves.toBe(true);
      await expect(counter.claimUpload(id)).resolves.toBe(true);
      await expect(counter.claimUpload(id)).resolves.toBe(false);
      await counter.releaseUpload(id);
      await expect(counter.claimUpload(id)).resolves.toBe(true);
      await expect(counter.claimUpload(id)).resolves.toBe(false);
    });

    it('never counts below zero', async () => {
      const { counter, token } = subject();
      const id = await token(1);
      await counter.releaseUpload(id);
      await expect(counter.claimUpload(id)).resolves.toBe(true);
      await expect(counter.claimUpload(id)).resolves.toBe(false);
    });

    it('lets exactly the limit through when claims race', async () => {
      const { counter, token } = subject();
      const id = await token(3);
      const claims = await Promise.all(Array.from({ length: 8 }, () => counter.claimUpload(id)));
      expect(claims.filter(Boolean)).toHaveLength(3);
    });

    it.each(['revoke', 'expire'] as const)('claims nothing once the token is %sd', async (end) => {
      const { counter, token } = subject();
      const id = await token(5);
      await subject()[end](id);
      await expect(counter.claimUpload(id)).resolves.toBe(false);
    });

    it('claims nothing for an unknown token', async () => {
      await expect(subject().counter.claimUpload(randomUUID())).resolves.toBe(false);
    });
  },
);
