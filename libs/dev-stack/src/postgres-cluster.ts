import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export type ClusterSettings = {
  readonly home: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
};

const isRoot = () => process.getuid?.() === 0;

function findPgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

function installPostgres(): string {
  if (!isRoot())
    throw new Error(
      'PostgreSQL is not installed; run as root or install it (apt-get install postgresql)',
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', 'postgresql'], { stdio: 'inherit', env });
  const bin = findPgBin();
  if (!bin) throw new Error('apt-get installed postgresql but pg_ctl was not found');
  return bin;
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`. */
function runAsOwner(bin: string, tool: string, args: string[]): void {
  const command = join(bin, tool);
  if (isRoot())
    execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
  else execFileSync(command, args, { stdio: 'pipe' });
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/**
 * A database for the stack: a PostgreSQL already answering on 127.0.0.1:5432
 * (trust auth as `postgres`) is used as is; otherwise a throwaway cluster is
 * initialised under the stack's home (its own port, fsync off) and started.
 */
export async function ensurePostgres(
  settings: ClusterSettings,
): Promise<{ url: string; managed: boolean }> {
  const local = 'postgres://postgres@127.0.0.1:5432';
  if (await canConnect(`${local}/postgres`)) {
    await ensureDatabase(`${local}/postgres`, settings.database);
    return { url: `${local}/${settings.database}`, managed: false };
  }
  const adminUrl = `postgres://postgres@${settings.host}:${settings.port}/postgres`;
  if (!(await canConnect(adminUrl))) {
    const bin = findPgBin() ?? installPostgres();
    const dataDir = join(settings.home, 'postgres', 'data');
    const socketDir = join(settings.home, 'postgres', 'socket');
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      mkdirSync(socketDir, { recursive: true });
      if (isRoot()) {
        const { uid, gid } = userIds('postgres');
        chownSync(join(settings.home, 'postgres'), uid, gid);
        chownSync(dataDir, uid, gid);
        chownSync(socketDir, uid, gid);
      }
      runAsOwner(bin, 'initdb', [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--no-locale',
      ]);
    }
    const options = [
      `-p ${settings.port}`,
      `-c listen_addresses=${settings.host}`,
      `-k ${socketDir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    runAsOwner(bin, 'pg_ctl', [
      '-D',
      dataDir,
      '-l',
      join(dataDir, '..', 'postgres.log'),
      '-o',
      options,
      '-w',
      'start',
    ]);
  }
  await ensureDatabase(adminUrl, settings.database);
  return {
    url: `postgres://postgres@${settings.host}:${settings.port}/${settings.database}`,
    managed: true,
  };
}

export function stopPostgres(home: string): boolean {
  const bin = findPgBin();
  const dataDir = join(home, 'postgres', 'data');
  if (!bin || !existsSync(join(dataDir, 'postmaster.pid'))) return false;
  runAsOwner(bin, 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  return true;
}

function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
