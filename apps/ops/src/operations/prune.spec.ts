import type { RetentionPolicy } from '@airlock/postgres';
import { describePrune, mergeActions } from './prune.ts';

const policy: RetentionPolicy = {
  terminalUploadsDays: 90,
  webhookDeliveriesDays: 30,
  objectIncidentsDays: 365,
  messageFailuresDays: 30,
  uploadTokensDays: 7,
  partitionMonthsAhead: 2,
};

describe('mergeActions', () => {
  it('sums the batches of the same action on the same target, keeping the first-seen order', () => {
    expect(
      mergeActions([
        { action: 'delete', target: 'upload_events', rows: 5 },
        { action: 'delete', target: 'uploads', rows: 1 },
        { action: 'delete', target: 'upload_events', rows: 3 },
        { action: 'keep_unsettled', target: 'uploads', rows: 2 },
        { action: 'delete', target: 'uploads', rows: 1 },
      ]),
    ).toEqual([
      { action: 'delete', target: 'upload_events', rows: 8 },
      { action: 'delete', target: 'uploads', rows: 2 },
      { action: 'keep_unsettled', target: 'uploads', rows: 2 },
    ]);
  });
});

describe('describePrune', () => {
  it('says what was done, one line each, leaving out what found no rows', () => {
    expect(
      describePrune({
        dryRun: false,
        policy,
        actions: [
          { action: 'create_partition', target: 'webhook_deliveries_p2027_02', rows: 0 },
          { action: 'drop_partition', target: 'webhook_deliveries_p2026_09', rows: 40 },
          { action: 'delete', target: 'webhook_deliveries_p2026_10', rows: 7 },
          { action: 'keep_unsettled', target: 'webhook_deliveries_p2026_10', rows: 1 },
          { action: 'delete', target: 'message_failures', rows: 0 },
        ],
      }),
    ).toEqual([
      'created partition webhook_deliveries_p2027_02',
      'dropped partition webhook_deliveries_p2026_09 (40 rows)',
      'deleted 7 rows from webhook_deliveries_p2026_10',
      'kept 1 row still to deliver in webhook_deliveries_p2026_10',
      'done',
    ]);
  });

  it('speaks in the conditional for a dry run, and says when there is nothing to do', () => {
    const dryRun = (actions: Parameters<typeof describePrune>[0]['actions']) =>
      describePrune({ dryRun: true, policy, actions });
    expect(dryRun([{ action: 'delete', target: 'uploads', rows: 3 }])).toEqual([
      'would delete 3 rows from uploads',
      'done (dry run, nothing changed)',
    ]);
    expect(dryRun([{ action: 'delete', target: 'uploads', rows: 0 }])).toEqual([
      'nothing to prune (dry run, nothing changed)',
    ]);
  });
});
