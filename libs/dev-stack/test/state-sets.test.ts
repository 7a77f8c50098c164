import { createHash, randomUUID } from 'node:crypto';
import {
  allowedSources,
  DEAD_STATES,
  LIVE_STATES,
  TERMINAL_STATES,
  UPLOAD_STATES,
  type UploadState,
} from '@airlock/core';
import {
  createPool,
  PgExpiredUploads,
  PgTenantAdmin,
  PgUploadRepository,
  PgWebhookEndpoints,
  PgWebhookOutbox,
  type DatabaseApp,
} from '@airlock/postgres';
import { appDatabaseUrlEnv } from '../src/stack.ts';

// Issue 15, item 8: the SQL takes its state sets from core as parameters; the
// schema's own state conditions (the enum, partial indexes, the outbox
// trigger) are pinned here to the same core sets. And the sweep's expiry and
// the API's cancel go through the statement every move runs.

const owner = createPool(process.env.DATABASE_URL!, { max: 2 });
const poolOf = (app: DatabaseApp) => createPool(process.env[appDatabaseUrlEnv(app)]!, { max: 2 });
const api = poolOf('upload-api');
const ops = poolOf('ops');
afterAll(async () => {
  await Promise.all([owner.end(), api.end(), ops.end()]);
});

/**
 * The enum values for which this SQL condition holds, evaluated by PostgreSQL
 * itself with each value in turn as `relation.column`.
 */
async function statesWhere(
  condition: string,
  relation: string,
  column: string,
): Promise<UploadState[]> {
  const { rows } = await owner.query<{ state: UploadState }>(
    `SELECT ${relation}.${column}::text AS state
     FROM unnest(enum_range(NULL::upload_state)) WITH ORDINALITY AS ${relation}(${column}, n)
     WHERE ${condition} ORDER BY n`,
  );
  return rows.map((row) => row.state);
}

describe('the schema’s state conditions are core’s state sets', () => {
  it('the upload_state enum lists core’s states, in order', async () => {
    const { rows } = await owner.query<{ states: string[] }>(
      'SELECT enum_range(NULL::upload_state)::text[] AS states',
    );
    expect(rows[0]!.states).toEqual([...UPLOAD_STATES]);
  });

  it('every state column is of that enum (no CHECK of its own to drift)', async () => {
    const { rows } = await owner.query<{ column: string; type: string }>(
      `SELECT table_name || '.' || column_name AS column, udt_name AS type
       FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name IN ('state', 'from_state', 'to_state')
       ORDER BY 1`,
    );
    expect(rows).toEqual([
      { column: 'upload_events.from_state', type: 'upload_state' },
      { column: 'upload_events.to_state', type: 'upload_state' },
      { column: 'uploads.state', type: 'upload_state' },
    ]);
    const checks = await owner.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint
       WHERE contype = 'c' AND conrelid IN ('uploads'::regclass, 'upload_events'::regclass)
         AND pg_get_constraintdef(oid) ~ '\\m(from_|to_)?state\\M'`,
    );
    expect(checks.rows).toEqual([]);
  });

  it('the partial unique index that makes dedup race-safe holds exactly core’s live states', async () => {
    const { rows } = await owner.query<{ definition: string; predicate: string; unique: boolean }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS unique,
              pg_get_expr(i.indpred, i.indrelid) AS predicate
       FROM pg_index i WHERE i.indexrelid = 'uploads_live_content'::regclass`,
    );
    const index = rows[0]!;
    expect(index.unique).toBe(true);
    expect(index.definition).toContain('(dedup_scope, declared_sha256) WHERE');
    expect(await statesWhere(index.predicate, 'candidate', 'state')).toEqual([...LIVE_STATES]);
  });

  it('every partial index on uploads that names a state holds the core set its queries use', async () => {
    const { rows } = await owner.query<{ name: string; predicate: string }>(
      `SELECT c.relname AS name, pg_get_expr(i.indpred, i.indrelid) AS predicate
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'uploads'::regclass AND i.indpred IS NOT NULL
         AND pg_get_expr(i.indpred, i.indrelid) ~ '\\mstate\\M'
       ORDER BY 1`,
    );
    // Only the state part of each predicate: the other columns are held at values that pass.
    const stateOnly = (predicate: string) =>
      predicate.replaceAll('multipart_upload_id IS NOT NULL', 'true');
    const held = Object.fromEntries(
      await Promise.all(
        rows.map(async (row) => [
          row.name,
          await statesWhere(stateOnly(row.predicate), 'candidate', 'state'),
        ]),
      ),
    );
    expect(held).toEqual({
      uploads_live_content: [...LIVE_STATES],
      // The sweep lists (and expires) the uploads the state machine lets expire.
      uploads_pending_expiry: allowedSources('expired'),
      uploads_pending_multipart: allowedSources('expired'),
      // Retention removes dead uploads only, oldest last move first.
      uploads_terminal_moved: [...DEAD_STATES],
    });
  });

  it('the upload prune takes core’s dead states only', async () => {
    const { rows } = await owner.query<{ source: string }>(
      `SELECT prosrc AS source FROM pg_proc WHERE proname = 'airlock_prune_uploads'`,
    );
    const condition = /u\.state IN \([^)]*\)/.exec(rows[0]!.source)?.[0];
    expect(condition).toBeDefined();
    expect(await statesWhere(condition!, 'u', 'state')).toEqual([...DEAD_STATES]);
  });

  it('the outbox trigger queues a webhook for exactly core’s terminal states', async () => {
    const { rows } = await owner.query<{ definition: string }>(
      `SELECT pg_get_triggerdef(oid) AS definition FROM pg_trigger
       WHERE tgname = 'upload_events_webhook' AND tgrelid = 'upload_events'::regclass`,
    );
    const when = /WHEN \((.*)\) EXECUTE FUNCTION/.exec(rows[0]!.definition)?.[1];
    expect(when).toBeDefined();
    expect(await statesWhere(when!, '"new"', 'to_state')).toEqual([...TERMINAL_STATES]);
  });
});

describe('expiry and cancel go through the move every transition runs', () => {
  const tenants = new PgTenantAdmin({ pool: ops });
  const uploads = new PgUploadRepository({ pool: api });
  const expired = new PgExpiredUploads({ pool: ops });
  const outbox = new PgWebhookOutbox({ pool: ops });

  async function pendingUpload(expiresAt: Date) {
    const customer = await tenants.addCustomer(`state-sets ${randomUUID()}`);
    const site = await tenants.addSite(customer.id, 'shop');
    await new PgWebhookEndpoints({ pool: api }).put(
      customer.id,
      'https://hooks.invalid/airlock',
      'whsec_state_sets',
      false,
    );
    const sha256 = createHash('sha256').update(randomUUID()).digest('hex');
    return (await uploads.insertPending(
      {
        customerId: customer.id,
        siteId: site.id,
        dedupScope: `customer:${customer.id}`,
        originalName: 'a.png',
        declaredContentType: 'image/png',
        declaredSize: 10,
        declaredSha256: sha256,
        category: 'images',
        bucket: 'uploads',
        key: `state-sets/${sha256}.png`,
        expiresAt,
      },
      'api:test',
    ))!;
  }

  const history = async (uploadId: string) =>
    (await uploads.findWithHistory(uploadId))!.history.map(({ fromState, toState, reason }) => ({
      fromState,
      toState,
      reason,
    }));

  it('the sweep’s expire moves pending → expired once: one audit event, one webhook', async () => {
    const upload = await pendingUpload(new Date(Date.now() - 60_000));
    const query = { graceSeconds: 0, actor: 'sweep:test' };
    expect(await expired.expire(upload.id, query)).toMatchObject({
      id: upload.id,
      key: upload.key,
      multipartUploadId: null,
    });
    expect(await expired.expire(upload.id, query)).toBeUndefined();
    expect(await uploads.find(upload.id)).toMatchObject({ state: 'expired', reason: 'expired' });
    expect(await history(upload.id)).toEqual([
      { fromState: null, toState: 'pending', reason: null },
      { fromState: 'pending', toState: 'expired', reason: 'expired' },
    ]);
    expect((await outbox.forUpload(upload.id)).map((d) => d.type)).toEqual(['upload.expired']);
    // A live upload with the same hash may be created again: the dead one left the index.
    expect(await uploads.findLiveByHash(upload.dedupScope, upload.declaredSha256)).toBeUndefined();
  });

  it('expire leaves alone an upload within its grace, and one that moved on', async () => {
    const recent = await pendingUpload(new Date(Date.now() - 60_000));
    expect(await expired.expire(recent.id, { graceSeconds: 3600, actor: 'sweep:test' })).toBe(
      undefined,
    );
    const arrived = await pendingUpload(new Date(Date.now() - 60_000));
    await uploads.transition({ uploadId: arrived.id, to: 'uploaded', actor: 'verifier:test' });
    expect(await expired.expire(arrived.id, { graceSeconds: 0, actor: 'sweep:test' })).toBe(
      undefined,
    );
    expect((await uploads.find(recent.id))!.state).toBe('pending');
    expect((await uploads.find(arrived.id))!.state).toBe('uploaded');
    expect(await outbox.forUpload(arrived.id)).toEqual([]);
  });

  it('cancel moves pending → expired (cancelled) once: one audit event, one webhook', async () => {
    const upload = await pendingUpload(new Date(Date.now() + 600_000));
    expect(await uploads.findLiveByHash(upload.dedupScope, upload.declaredSha256)).toMatchObject({
      id: upload.id,
    });
    expect(await uploads.cancelPending(upload.id, 'api:test')).toMatchObject({
      id: upload.id,
      state: 'expired',
      reason: 'cancelled',
    });
    expect(await uploads.cancelPending(upload.id, 'api:test')).toBeUndefined();
    expect(await history(upload.id)).toEqual([
      { fromState: null, toState: 'pending', reason: null },
      { fromState: 'pending', toState: 'expired', reason: 'cancelled' },
    ]);
    expect((await outbox.forUpload(upload.id)).map((d) => d.type)).toEqual(['upload.expired']);
  });

  it('cancel refuses an upload whose parts were completed, and one already verified', async () => {
    const completed = await pendingUpload(new Date(Date.now() + 600_000));
    await uploads.attachMultipart(
      completed.id,
      { multipartUploadId: 'mpu-state-sets', partSize: 5, partCount: 2 },
      new Date(Date.now() + 600_000),
    );
    await uploads.markMultipartCompleted(completed.id);
    expect(await uploads.cancelPending(completed.id, 'api:test')).toBeUndefined();
    const verified = await pendingUpload(new Date(Date.now() + 600_000));
    await uploads.transition({ uploadId: verified.id, to: 'verified', actor: 'verifier:test' });
    expect(await uploads.cancelPending(verified.id, 'api:test')).toBeUndefined();
    expect((await uploads.find(completed.id))!.state).toBe('pending');
    expect((await uploads.find(verified.id))!.state).toBe('verified');
  });
});
