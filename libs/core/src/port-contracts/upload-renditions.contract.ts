import type { Rendition, UploadRenditions } from '../workers/worker.ports.ts';
import { portContract } from './upload-world.ts';

export type UploadRenditionsSubject = {
  readonly renditions: UploadRenditions;
  /** The id of a new upload (in the store: a row renditions may refer to). */
  upload(): Promise<string>;
};

const rendition = (name: string, overrides: Partial<Rendition> = {}): Rendition => ({
  name,
  format: 'webp',
  width: 320,
  height: 200,
  size: 12_345,
  bucket: 'processed',
  key: `renditions/${name}.webp`,
  ...overrides,
});

/** The behaviour every {@link UploadRenditions} shares: upserts by name, listed by name. */
export const describeUploadRenditionsContract = portContract<UploadRenditionsSubject>(
  'UploadRenditions',
  (subject) => {
    it('lists nothing for an upload with none', async () => {
      const { renditions, upload } = subject();
      await expect(renditions.forUpload(await upload())).resolves.toEqual([]);
    });

    it('lists what was saved, ordered by name, per upload', async () => {
      const { renditions, upload } = subject();
      const [one, other] = [await upload(), await upload()];
      await renditions.save(one, [rendition('thumb'), rendition('large')]);
      await renditions.save(other, [rendition('thumb', { width: 64 })]);
      await expect(renditions.forUpload(one)).resolves.toEqual([
        rendition('large'),
        rendition('thumb'),
      ]);
      await expect(renditions.forUpload(other)).resolves.toEqual([
        rendition('thumb', { width: 64 }),
      ]);
    });

    it('overwrites by name when a job is replayed, and keeps names the replay lacks', async () => {
      const { renditions, upload } = subject();
      const id = await upload();
      await renditions.save(id, [rendition('large'), rendition('thumb')]);
      await renditions.save(id, [rendition('thumb', { size: 999, format: 'avif' })]);
      await expect(renditions.forUpload(id)).resolves.toEqual([
        rendition('large'),
        rendition('thumb', { size: 999, format: 'avif' }),
      ]);
    });

    it('removes every rendition of one upload only; removing none is fine', async () => {
      const { renditions, upload } = subject();
      const [one, other] = [await upload(), await upload()];
      await renditions.save(one, [rendition('thumb')]);
      await renditions.save(other, [rendition('thumb')]);
      await renditions.remove(one);
      await renditions.remove(one);
      await expect(renditions.forUpload(one)).resolves.toEqual([]);
      await expect(renditions.forUpload(other)).resolves.toHaveLength(1);
    });
  },
);
