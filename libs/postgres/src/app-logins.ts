import pg from 'pg';

/**
 * Each app's PostgreSQL group role (created by the app-roles migration, with
 * only the grants its queries use) and the LOGIN role it runs as.
 */
export const APP_DATABASE_ROLES = {
  'upload-api': 'airlock_upload_api',
  verifier: 'airlock_verifier',
  scanner: 'airlock_scanner',
  media: 'airlock_media',
  notifier: 'airlock_notifier',
  ops: 'airlock_ops',
} as const;

export type DatabaseApp = keyof typeof APP_DATABASE_ROLES;

export const DATABASE_APPS = Object.keys(APP_DATABASE_ROLES) as DatabaseApp[];

/** The app's LOGIN role: `airlock_verifier_app` for the verifier. */
export const appLoginRole = (app: DatabaseApp): string => `${APP_DATABASE_ROLES[app]}_app`;

export function isDatabaseApp(name: string): name is DatabaseApp {
  return Object.hasOwn(APP_DATABASE_ROLES, name);
}

/**
 * Creates the app's LOGIN role as a member of its group and nothing else, or
 * brings an existing one back to that (password, attributes, membership).
 * Run as the migration owner after `migrate`: it needs CREATEROLE and the
 * group roles must exist.
 */
export async function ensureAppLogin(
  adminUrl: string,
  app: DatabaseApp,
  password: string,
): Promise<string> {
  if (password.length < 16) throw new Error(`the ${app} database password is shorter than 16`);
  const login = appLoginRole(app);
  const group = APP_DATABASE_ROLES[app];
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const role = client.escapeIdentifier(login);
    const attributes = `LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`;
    await client.query('BEGIN');
    // Serialises concurrent callers (tasks starting together) on one cluster.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('airlock app logins'))`);
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login]);
    await client.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${role} ${attributes}`);
    // Exactly one membership: its group.
    const { rows } = await client.query<{ name: string }>(
      `SELECT g.rolname AS name FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
       WHERE r.rolname = $1`,
      [login],
    );
    for (const { name } of rows) {
      if (name !== group)
        await client.query(`REVOKE ${client.escapeIdentifier(name)} FROM ${role}`);
    }
    if (!rows.some(({ name }) => name === group)) {
      await client.query(`GRANT ${client.escapeIdentifier(group)} TO ${role}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
  return login;
}

/** `url` with its user (and password, when given) replaced: the app's own DATABASE_URL. */
export function databaseUrlAs(url: string, user: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = password === undefined ? '' : encodeURIComponent(password);
  return parsed.toString();
}
