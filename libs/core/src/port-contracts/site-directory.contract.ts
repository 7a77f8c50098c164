import { randomUUID } from 'node:crypto';
import type { SiteDirectory } from '../uploads/upload.ports.ts';
import type { Site } from '../uploads/upload.types.ts';
import { portContract } from './upload-world.ts';

export type SiteDirectorySubject = {
  readonly sites: SiteDirectory;
  /** A new site of a new customer. */
  site(): Promise<Site>;
};

export const describeSiteDirectoryContract = portContract<SiteDirectorySubject>(
  'SiteDirectory',
  (subject) => {
    it('finds a site by id with its customer, and nothing for an unknown id', async () => {
      const { sites, site } = subject();
      const made = await site();
      await expect(sites.findSite(made.id)).resolves.toEqual(made);
      await expect(sites.findSite(randomUUID())).resolves.toBeUndefined();
    });
  },
);
