import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  APP_DATABASE_ROLES,
  appLoginRole,
  createPool,
  DATABASE_APPS,
  PgExpiredUploads,
  PgMessageFailures,
  PgObjectIncidents,
  PgSiteDirectory,
  PgTenantAdmin,
  PgUploadRenditions,
  PgUploadRepository,
  PgUploadScans,
  PgUploadTokens,
  PgWebhookEndpoints,
  PgWebhookOutbox,
  type DatabaseApp,
  type Pool,
} from '@airlock/postgres';
import { appDatabaseUrlEnv, stopService, up } from '../src/stack.ts';
import { workspaceRoot } from '../src/stack-settings.ts';

// Issue 12, finding 15: each app runs as its own PostgreSQL login, a member of
// a group role holding only the privileges its queries use. The stack's
// services run under these logins, so every integration suite exercises them;
// this file pins the privilege matrix and proves what no app can do.

const urlOf = (app: DatabaseApp) => process.env[appDatabaseUrlEnv(app)]!;
const owner = createPool(process.env.DATABASE_URL!, { max: 2 });
const pools = Object.fromEntries(
  DATABASE_APPS.map((app) => [app, createPool(urlOf(app), { max: 2 })]),
) as Record<DatabaseApp, Pool>;
afterAll(async () => {
  await Promise.all([owner.end(), ...Object.values(pools).map((p) => p.end())]);
});

type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
const ALL: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** Written out by hand from the adapters each app's compose.ts wires, independently of the migration. */
const EXPECTED: Record<DatabaseApp, Record<string, Privilege[]>> = {
  'upload-api': {
    api_keys: ['SELECT'],
    rate_limit_leases: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    sites: ['SELECT'],
    uploads: ['SELECT', 'INSERT', 'UPDATE'],
    upload_events: ['SELECT', 'INSERT'],
    upload_renditions: ['SELECT'],
    upload_tokens: ['SELECT', 'INSERT', 'UPDATE'],
    webhook_endpoints: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  },
  verifier: {
    uploads: ['SELECT', 'UPDATE'],
    upload_events: ['INSERT'],
    object_incidents: ['INSERT'],
    message_failures: ['SELECT', 'INSERT', 'UPDATE'],
  },
  scanner: {
    uploads: ['SELECT', 'UPDATE'],
    upload_events: ['INSERT'],
    upload_scans: ['SELECT', 'INSERT'],
    upload_renditions: ['SELECT', 'DELETE'],
    message_failures: ['SELECT', 'INSERT', 'UPDATE'],
  },
  media: {
    uploads: ['SELECT', 'UPDATE'],
    upload_events: ['INSERT'],
    upload_renditions: ['SELECT', 'INSERT', 'UPDATE'],
    message_failures: ['SELECT', 'INSERT', 'UPDATE'],
  },
  notifier: {
    uploads: ['SELECT'],
    upload_events: ['SELECT'],
    webhook_endpoints: ['SELECT'],
    webhook_deliveries: ['SELECT', 'UPDATE'],
    message_failures: ['SELECT', 'INSERT', 'UPDATE'],
  },
  ops: {
    customers: ['SELECT', 'INSERT'],
    sites: ['SELECT', 'INSERT'],
    api_keys: ['SELECT', 'INSERT', 'UPDATE'],
    uploads: ['SELECT', 'UPDATE'],
    upload_events: ['SELECT', 'INSERT'],
    upload_scans: ['SELECT'],
    upload_renditions: ['SELECT'],
    webhook_endpoints: ['SELECT'],
    webhook_deliveries: ['SELECT'],
    message_failures: ['SELECT'],
    object_incidents: ['SELECT'],
  },
};

async function expectDenied(pool: Pool, sql: string): Promise<void> {
  await expect(pool.query(sql)).rejects.toMatchObject({ code: '42501' });
}

describe('the privilege matrix', () => {
  it.each(DATABASE_APPS)('%s holds exactly its grants, table by table', async (app) => {
    const { rows } = await owner.query<{ table: string; privilege: Privilege }>(
      `SELECT t.tablename AS table, p.privilege
       FROM pg_tables t CROSS JOIN unnest($2::text[]) AS p(privilege)
       WHERE t.schemaname = 'public' AND has_table_privilege($1, 'public.' || quote_ident(t.tablename), p.privilege)
       ORDER BY 1, 2`,
      [APP_DATABASE_ROLES[app], [...ALL, 'TRUNCATE', 'REFERENCES', 'TRIGGER']],
    );
    const held: Record<string, string[]> = {};
    for (const { table, privilege } of rows) (held[table] ??= []).push(privilege);
    const expected = Object.fromEntries(
      Object.entries(EXPECTED[app]).map(([table, privileges]) => [table, [...privileges].sort()]),
    );
    expect(held).toEqual(expected);
  });

  it('lets the verifier see whether a key was revoked, never its hash', async () => {
    const column = (name: string) =>
      owner
        .query<{ ok: boolean }>(
          `SELECT has_column_privilege('airlock_verifier', 'api_keys', $1, 'SELECT') AS ok`,
          [name],
        )
        .then(({ rows }) => rows[0]!.ok);
    expect(await column('id')).toBe(true);
    expect(await column('revoked_at')).toBe(true);
    expect(await column('key_hash')).toBe(false);
    expect(await column('prefix')).toBe(false);
    await expectDenied(pools.verifier, 'SELECT key_hash FROM api_keys');
  });

  it('lets the verifier see whether a token was revoked, never its hash; ops set only a site’s origins', async () => {
    const column = (role: string, table: string, name: string, privilege: string) =>
      owner
        .query<{ ok: boolean }>('SELECT has_column_privilege($1, $2, $3, $4) AS ok', [
          role,
          table,
          name,
          privilege,
        ])
        .then(({ rows }) => rows[0]!.ok);
    expect(await column('airlock_verifier', 'upload_tokens', 'id', 'SELECT')).toBe(true);
    expect(await column('airlock_verifier', 'upload_tokens', 'revoked_at', 'SELECT')).toBe(true);
    expect(await column('airlock_verifier', 'upload_tokens', 'token_hash', 'SELECT')).toBe(false);
    await expectDenied(pools.verifier, 'SELECT token_hash FROM upload_tokens');
    expect(await column('airlock_ops', 'sites', 'allowed_origins', 'UPDATE')).toBe(true);
    expect(await column('airlock_ops', 'sites', 'name', 'UPDATE')).toBe(false);
    await expectDenied(pools.ops, `UPDATE sites SET name = 'x' WHERE false`);
    for (const app of ['scanner', 'media', 'notifier', 'ops'] as const)
      await expectDenied(pools[app], 'SELECT id FROM upload_tokens');
  });

  it.each(DATABASE_APPS)(
    '%s logs in as its own login: a member of its group alone, no attributes',
    async (app) => {
      const { rows } = await pools[app].query<{ user: string }>('SELECT current_user AS user');
      expect(rows[0]!.user).toBe(appLoginRole(app));
      const role = await owner.query(
        `SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit,
              ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid) AS groups
       FROM pg_roles r WHERE rolname = $1`,
        [appLoginRole(app)],
      );
      expect(role.rows[0]).toEqual({
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolreplication: false,
        rolbypassrls: false,
        rolinherit: true,
        groups: [APP_DATABASE_ROLES[app]],
      });
    },
  );

  it('owns nothing: every table, function and type stays the migration owner’s', async () => {
    const { rows } = await owner.query<{ owner: string }>(
      `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class
       WHERE relnamespace = 'public'::regnamespace
       UNION SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'public'::regnamespace`,
    );
    const logins = DATABASE_APPS.flatMap((app) => [APP_DATABASE_ROLES[app], appLoginRole(app)]);
    for (const { owner: name } of rows) expect(logins).not.toContain(name);
  });
});

describe.each(DATABASE_APPS)('%s cannot touch the audit trail or the schema', (app) => {
  const pool = () => pools[app];

  it.each([
    ['UPDATE upload_events', `UPDATE upload_events SET actor = 'x'`],
    ['DELETE upload_events', 'DELETE FROM upload_events'],
    ['TRUNCATE upload_events', 'TRUNCATE upload_events'],
    ['disable the trigger', 'ALTER TABLE upload_events DISABLE TRIGGER upload_events_no_change'],
    ['drop the trigger', 'DROP TRIGGER upload_events_no_change ON upload_events'],
    [
      'replace the function',
      `CREATE OR REPLACE FUNCTION upload_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`,
    ],
    ['drop the function', 'DROP FUNCTION upload_events_append_only()'],
    ['drop a table', 'DROP TABLE uploads'],
    ['alter a table', 'ALTER TABLE uploads ADD COLUMN evil text'],
    ['create a table', 'CREATE TABLE public.evil (id int)'],
    ['become the owner', 'SET ROLE postgres'],
    ['become another app', `SET ROLE ${app === 'ops' ? 'airlock_verifier' : 'airlock_ops'}`],
  ])('refuses to %s', async (_what, sql) => {
    await expectDenied(pool(), sql);
  });

  it('reads no migration bookkeeping', async () => {
    await expectDenied(pool(), 'SELECT * FROM pgmigrations');
  });
});

describe('each app does its job under its own login', () => {
  const hash = () => createHash('sha256').update(randomUUID()).digest('hex');
  const api = {
    uploads: new PgUploadRepository({ pool: pools['upload-api'] }),
    tenants: new PgTenantAdmin({ pool: pools['upload-api'] }),
    sites: new PgSiteDirectory({ pool: pools['upload-api'] }),
    renditions: new PgUploadRenditions({ pool: pools['upload-api'] }),
    webhooks: new PgWebhookEndpoints({ pool: pools['upload-api'] }),
  };
  const ops = {
    tenants: new PgTenantAdmin({ pool: pools.ops }),
    uploads: new PgUploadRepository({ pool: pools.ops }),
    expired: new PgExpiredUploads({ pool: pools.ops }),
    scans: new PgUploadScans({ pool: pools.ops }),
    renditions: new PgUploadRenditions({ pool: pools.ops }),
    outbox: new PgWebhookOutbox({ pool: pools.ops }),
    failures: new PgMessageFailures({ pool: pools.ops }),
    incidents: new PgObjectIncidents({ pool: pools.ops }),
  };
  const worker = (app: 'verifier' | 'scanner' | 'media') =>
    new PgUploadRepository({ pool: pools[app] });
  // The stack's own notifiers share this database: they would relay, and try
  // to deliver, this file's webhook before its notifier login could.
  beforeAll(() => stopService('notifier'));
  afterAll(() => up());

  it('takes an upload from request to ready, a webhook, a rescan that quarantines, and a sweep', async () => {
    // ops: a customer, a site, a key.
    const customer = await ops.tenants.addCustomer('roles');
    const site = await ops.tenants.addSite(customer.id, 'main');
    const key = await ops.tenants.issueKey(customer.id, 'roles test');

    // upload-api: authenticate, find the site, register a webhook, create and extend an upload.
    const caller = await api.tenants.authenticate(key.key);
    expect(caller).toEqual({ apiKeyId: key.id, customerId: customer.id });
    expect(await api.sites.findSite(site.id)).toMatchObject({ customerId: customer.id });
    await api.webhooks.put(
      customer.id,
      'https://hooks.example/airlock',
      `whsec_${'a'.repeat(32)}`,
      false,
    );
    expect(await api.webhooks.find(customer.id)).toMatchObject({
      url: 'https://hooks.example/airlock',
    });
    const sha = hash();
    const upload = (await api.uploads.insertPending(
      {
        customerId: customer.id,
        siteId: site.id,
        dedupScope: `customer:${customer.id}`,
        originalName: 'photo.png',
        declaredContentType: 'image/png',
        declaredSize: 10,
        declaredSha256: sha,
        category: 'images',
        bucket: 'uploads',
        key: `roles/${sha}.png`,
        expiresAt: new Date(Date.now() + 60_000),
        apiKeyId: key.id,
      },
      'api:test',
    ))!;
    expect(upload.state).toBe('pending');
    expect(await api.uploads.findLiveByHash(`customer:${customer.id}`, sha)).toMatchObject({
      id: upload.id,
    });
    expect(
      await api.uploads.extendPending(upload.id, new Date(Date.now() + 120_000)),
    ).toBeDefined();

    // verifier: the object's upload, pending → uploaded → verified, scan job recorded, the issuer checked.
    const verifier = worker('verifier');
    expect(await verifier.findByObject('uploads', upload.key)).toMatchObject({ id: upload.id });
    for (const to of ['uploaded', 'verified'] as const)
      expect(
        await verifier.transition({ uploadId: upload.id, to, actor: 'verifier:test' }),
      ).toBeDefined();
    expect(await verifier.markScanRequested(upload.id)).toBe(true);
    const issuer = await pools.verifier.query(
      `SELECT k.revoked_at IS NOT NULL AS revoked FROM uploads u JOIN api_keys k ON k.id = u.api_key_id WHERE u.id = $1`,
      [upload.id],
    );
    expect(issuer.rows).toEqual([{ revoked: false }]);
    await new PgObjectIncidents({ pool: pools.verifier }).record({
      bucket: 'uploads',
      key: `roles/stray-${sha}`,
      eTag: undefined,
      size: 1,
      uploadId: undefined,
      reason: 'no upload waits for this key',
      quarantine: undefined,
    });
    for (const receiveCount of [1, 2]) {
      for (const app of ['verifier', 'scanner', 'media', 'notifier'] as const) {
        await new PgMessageFailures({ pool: pools[app] }).record({
          queue: `roles-${app}`,
          messageId: upload.id,
          receiveCount,
          permanent: false,
          error: 'boom',
        });
      }
    }

    // scanner: a verdict, verified → clean, the media job recorded.
    const scanner = worker('scanner');
    expect(await scanner.find(upload.id)).toMatchObject({ state: 'verified' });
    await new PgUploadScans({ pool: pools.scanner }).record({
      uploadId: upload.id,
      trigger: 'upload',
      result: 'clean',
      signature: undefined,
      engine: 'ClamAV test',
      signatures: '1',
    });
    expect(
      await scanner.transition({ uploadId: upload.id, to: 'clean', actor: 'scanner:test' }),
    ).toBeDefined();
    expect(await scanner.markMediaRequested(upload.id)).toBe(true);

    // media: renditions (twice: a replay upserts), clean → ready; the outbox row
    // comes from the trigger, which writes as its owner.
    const rendition = {
      name: 'thumb',
      format: 'webp',
      width: 1,
      height: 1,
      size: 1,
      bucket: 'processed',
      key: `r/${sha}`,
    };
    const media = new PgUploadRenditions({ pool: pools.media });
    await media.save(upload.id, [rendition]);
    await media.save(upload.id, [rendition]);
    expect(
      await worker('media').transition({ uploadId: upload.id, to: 'ready', actor: 'media:test' }),
    ).toBeDefined();
    expect(await api.renditions.forUpload(upload.id)).toEqual([rendition]);
    const history = await api.uploads.findWithHistory(upload.id);
    expect(history!.history.map((h) => h.toState)).toEqual([
      'pending',
      'uploaded',
      'verified',
      'clean',
      'ready',
    ]);

    // notifier: relays, claims, reads, records the attempt.
    const notifier = new PgWebhookOutbox({ pool: pools.notifier });
    const deliveries = await ops.outbox.forUpload(upload.id);
    expect(deliveries.map((d) => d.type)).toEqual(['upload.ready']);
    const relayed: string[] = [];
    while (!relayed.includes(deliveries[0]!.id)) {
      const before = relayed.length;
      await notifier.relay(100, async (ids) => (relayed.push(...ids), ids));
      if (relayed.length === before) break;
    }
    expect(relayed).toContain(deliveries[0]!.id);
    expect(await notifier.claim(deliveries[0]!.id, 'message-1', 30)).toBe(true);
    expect(await notifier.find(deliveries[0]!.id)).toMatchObject({
      endpoint: { url: 'https://hooks.example/airlock' },
    });
    await notifier.recordAttempt(deliveries[0]!.id, {
      status: 200,
      error: undefined,
      delivered: true,
    });

    // scanner, on a rescan: ready → quarantined, renditions removed.
    expect(
      await scanner.transition({
        uploadId: upload.id,
        to: 'quarantined',
        reason: 'Eicar',
        actor: 'scanner:rescan',
      }),
    ).toBeDefined();
    await new PgUploadRenditions({ pool: pools.scanner }).remove(upload.id);
    await notifier.abandon((await ops.outbox.forUpload(upload.id)).at(-1)!.id, 'test');

    // ops: inspection, a sweep of an abandoned upload, a key revoked.
    expect((await ops.uploads.findWithHistory(upload.id))!.upload.state).toBe('quarantined');
    expect(await ops.scans.forUpload(upload.id)).toHaveLength(1);
    expect(await ops.renditions.forUpload(upload.id)).toEqual([]);
    expect(await ops.failures.find('roles-verifier', upload.id)).toMatchObject({ receiveCount: 2 });
    expect(await ops.incidents.forKey('uploads', `roles/stray-${sha}`)).toHaveLength(1);
    expect(await ops.uploads.countCleanSince(new Date(0), customer.id)).toBe(0);
    const stale = hash();
    const abandoned = (await api.uploads.insertPending(
      {
        ...upload,
        declaredSha256: stale,
        key: `roles/${stale}.png`,
        expiresAt: new Date(Date.now() - 3_600_000),
      },
      'api:test',
    ))!;
    const query = { graceSeconds: 0, customerId: customer.id };
    expect(await ops.expired.count(query)).toBe(1);
    expect(await ops.expired.expire(abandoned.id, { ...query, actor: 'ops:test' })).toMatchObject({
      id: abandoned.id,
    });
    expect(await ops.expired.objectInUse('uploads', abandoned.key, abandoned.id)).toBe(false);
    expect(await ops.tenants.revokeKey(key.prefix)).toBe(true);
    expect(await api.tenants.authenticate(key.key)).toBeUndefined();

    // upload-api: the endpoint goes.
    expect(await api.webhooks.remove(customer.id)).toBe(true);
  });

  it('mints, authenticates, counts and revokes an upload token; the verifier sees the revocation; ops sets origins', async () => {
    const customer = await ops.tenants.addCustomer('roles tokens');
    const site = await ops.tenants.addSite(customer.id, 'shop', ['https://shop.example']);
    expect(
      (await ops.tenants.setSiteOrigins(site.id, ['https://shop.example', 'http://localhost:5173']))
        ?.allowedOrigins,
    ).toEqual(['https://shop.example', 'http://localhost:5173']);
    expect((await ops.tenants.listSites(customer.id)).map((s) => s.id)).toEqual([site.id]);
    const key = await ops.tenants.issueKey(customer.id);

    const tokens = new PgUploadTokens({ pool: pools['upload-api'] });
    const minted = (await tokens.mint(customer.id, key.id, {
      siteId: site.id,
      contentTypes: ['image/png'],
      maxSize: 100,
      maxUploads: 1,
      ttlSeconds: 60,
      origin: null,
    }))!;
    expect(await tokens.authenticate(minted.token)).toMatchObject({
      id: minted.id,
      siteOrigins: ['https://shop.example', 'http://localhost:5173'],
    });
    expect(await tokens.allAllowedOrigins()).toContain('http://localhost:5173');
    expect(await tokens.claimUpload(minted.id)).toBe(true);
    expect(await tokens.claimUpload(minted.id)).toBe(false);
    await tokens.releaseUpload(minted.id);
    const sha = hash();
    const upload = (await api.uploads.insertPending(
      {
        customerId: customer.id,
        siteId: site.id,
        dedupScope: `customer:${customer.id}:token:${minted.id}`,
        originalName: 'a.png',
        declaredContentType: 'image/png',
        declaredSize: 10,
        declaredSha256: sha,
        category: 'images',
        bucket: 'uploads',
        key: `roles/${sha}/${minted.id}.png`,
        expiresAt: new Date(Date.now() + 60_000),
        apiKeyId: key.id,
        uploadTokenId: minted.id,
      },
      `upload-token:${minted.id}`,
    ))!;
    const verifier = worker('verifier');
    expect(await verifier.issuerRevoked(upload.id)).toBe(false);
    expect(await tokens.revoke(customer.id, minted.id)).toBe(true);
    expect(await tokens.authenticate(minted.token)).toBeUndefined();
    expect(await verifier.issuerRevoked(upload.id)).toBe(true);
  });

  it('keeps other apps’ tables out of reach', async () => {
    await expectDenied(pools.verifier, 'SELECT secret FROM webhook_endpoints');
    await expectDenied(pools.scanner, 'SELECT secret FROM webhook_endpoints');
    await expectDenied(pools.media, 'SELECT * FROM upload_scans');
    await expectDenied(pools.notifier, 'SELECT key_hash FROM api_keys');
    await expectDenied(pools['upload-api'], 'SELECT * FROM message_failures');
    await expectDenied(pools['upload-api'], `INSERT INTO customers (name) VALUES ('x')`);
    await expectDenied(pools['upload-api'], 'UPDATE api_keys SET revoked_at = NULL');
    await expectDenied(
      pools.notifier,
      'INSERT INTO webhook_deliveries (event_id, upload_id, customer_id) VALUES (1, gen_random_uuid(), gen_random_uuid())',
    );
    await expectDenied(pools.ops, 'DELETE FROM uploads');
    await expectDenied(pools.ops, "UPDATE upload_scans SET result = 'clean'");
  });
});

describe('the image entrypoint’s migrate', () => {
  it('applies migrations, then creates or updates the login of each app given a password', async () => {
    const password = decodeURIComponent(new URL(urlOf('ops')).password);
    const result = spawnSync('sh', ['infra/docker/entrypoint.sh', 'migrate'], {
      cwd: workspaceRoot(),
      env: { ...process.env, AIRLOCK_DB_PASSWORD_OPS: password },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('database login airlock_ops_app ready');
    expect(result.stdout).not.toContain('airlock_verifier_app');
    const { rows } = await pools.ops.query<{ user: string }>('SELECT current_user AS user');
    expect(rows[0]!.user).toBe('airlock_ops_app');
  });
});
