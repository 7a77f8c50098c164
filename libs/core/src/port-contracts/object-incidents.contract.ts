import { randomUUID } from 'node:crypto';
import type { ObjectIncident, ObjectIncidents } from '../workers/worker.ports.ts';
import { portContract } from './upload-world.ts';

export type ObjectIncidentsSubject = {
  readonly incidents: ObjectIncidents;
  /** The id of a new upload an incident may name. */
  upload(): Promise<string>;
  /** The incidents recorded for an object, oldest first. */
  at(bucket: string, key: string): Promise<ObjectIncident[]>;
};

/** The behaviour every {@link ObjectIncidents} shares: each incident kept as recorded. */
export const describeObjectIncidentsContract = portContract<ObjectIncidentsSubject>(
  'ObjectIncidents',
  (subject) => {
    it('keeps every incident of an object as recorded, oldest first', async () => {
      const { incidents, upload, at } = subject();
      const key = `contract/${randomUUID()}`;
      const full: ObjectIncident = {
        bucket: 'uploads',
        key,
        eTag: '"abc"',
        size: 5_000_000_000,
        uploadId: await upload(),
        reason: 'content_replaced',
        quarantine: { bucket: 'quarantine', key: `incidents/${key}` },
      };
      const bare: ObjectIncident = {
        bucket: 'uploads',
        key,
        eTag: undefined,
        size: undefined,
        uploadId: undefined,
        reason: 'unexpected_object',
        quarantine: undefined,
      };
      await incidents.record(full);
      await incidents.record(bare);
      await expect(at('uploads', key)).resolves.toEqual([full, bare]);
      await expect(at('uploads', `${key}-other`)).resolves.toEqual([]);
    });
  },
);
