import { randomUUID } from 'node:crypto';
import { PgMessageFailures, type Pool } from '../src/index.ts';
import { useTestDatabase } from './test-database.ts';

let pool: Pool;
useTestDatabase((created) => (pool = created));

describe('PgMessageFailures', () => {
  it('keeps one row per queue and message: the last error, the highest receive count, the first failure time', async () => {
    const failures = new PgMessageFailures({ pool });
    const messageId = randomUUID();
    await failures.record({
      queue: 'scan-jobs',
      messageId,
      receiveCount: 2,
      permanent: false,
      error: 'clamd timeout',
    });
    const first = await failures.find('scan-jobs', messageId);
    // A late copy of an earlier receive does not lower the count.
    await failures.record({
      queue: 'scan-jobs',
      messageId,
      receiveCount: 1,
      permanent: true,
      error: 'e'.repeat(5000),
    });
    const last = await failures.find('scan-jobs', messageId);
    expect(last).toMatchObject({
      queue: 'scan-jobs',
      messageId,
      receiveCount: 2,
      permanent: true,
      firstFailedAt: first!.firstFailedAt,
    });
    expect(last!.error).toHaveLength(4000);
    expect(last!.lastFailedAt.getTime()).toBeGreaterThanOrEqual(first!.lastFailedAt.getTime());
  });

  it('keeps the same message id on another queue apart, and finds nothing unknown', async () => {
    const failures = new PgMessageFailures({ pool });
    const messageId = randomUUID();
    const failure = { messageId, receiveCount: 1, permanent: false, error: 'boom' };
    await failures.record({ ...failure, queue: 'media-jobs' });
    await expect(failures.find('scan-jobs', messageId)).resolves.toBeUndefined();
    await expect(failures.find('media-jobs', messageId)).resolves.toMatchObject({ error: 'boom' });
  });
});
