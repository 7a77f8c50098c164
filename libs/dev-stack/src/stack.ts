import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStackEnv } from '@airlock/config';
import {
  appLoginRole,
  DATABASE_APPS,
  databaseUrlAs,
  ensureAppLogin,
  isDatabaseApp,
  migrate,
} from '@airlock/postgres';
import { ensureClamd, stopClamd } from './clamd.ts';
import { ensurePostgres, stopPostgres } from './postgres-cluster.ts';
import { logFile, runningPid, startDetached, stopProcess, waitFor } from './processes.ts';
import { stackSettings, type StackSettings } from './stack-settings.ts';
import { ensureWebDemoTenant, webDemoFile, type WebDemoTenant } from './web-demo.ts';

export type StackEnv = Record<string, string>;

type Service = {
  name: string;
  script: string;
  env: (settings: StackSettings) => Record<string, string>;
  ready: (env: StackEnv, settings: StackSettings) => Promise<boolean>;
};

const httpOk = (url: string) => async () =>
  (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;

/** The long-running processes of the stack, in start order. */
function services(settings: StackSettings): Service[] {
  return [
    {
      name: 'upload-api',
      script: join(settings.root, 'apps/upload-api/src/main.ts'),
      // Local webhook receivers are plain http on loopback: the notifier's allow-list.
      env: (s) => ({
        HOST: s.host,
        PORT: String(s.ports.api),
        METRICS_HOST: s.host,
        METRICS_PORT: String(s.ports.apiMetrics),
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        // Every test (and the OpenAPI fuzz, with its wrong keys) calls from 127.0.0.1:
        // the per-IP budget of failed authentications (default 60) is for the open
        // internet; apps/upload-api/test/security-hardening.test.ts proves it in-process.
        AUTH_FAILURES_PER_IP_PER_MINUTE: '1000',
      }),
      ready: (env) => httpOk(`${env.AIRLOCK_API_URL}/readyz`)(),
    },
    {
      name: 'verifier',
      script: join(settings.root, 'apps/verifier/src/main.ts'),
      env: (s) => ({ HEALTH_HOST: s.host, HEALTH_PORT: String(s.ports.verifierHealth) }),
      ready: (_env, s) => httpOk(`http://${s.host}:${s.ports.verifierHealth}/readyz`)(),
    },
    {
      name: 'scanner',
      script: join(settings.root, 'apps/scanner/src/main.ts'),
      env: (s) => ({ HEALTH_HOST: s.host, HEALTH_PORT: String(s.ports.scannerHealth) }),
      ready: (_env, s) => httpOk(`http://${s.host}:${s.ports.scannerHealth}/readyz`)(),
    },
    {
      name: 'media',
      script: join(settings.root, 'apps/media/src/main.ts'),
      // Fewer glibc arenas: sharp's freed buffers otherwise stay resident.
      env: (s) => ({
        HEALTH_HOST: s.host,
        HEALTH_PORT: String(s.ports.mediaHealth),
        MALLOC_ARENA_MAX: '2',
      }),
      ready: (_env, s) => httpOk(`http://${s.host}:${s.ports.mediaHealth}/readyz`)(),
    },
    {
      name: 'notifier',
      script: join(settings.root, 'apps/notifier/src/main.ts'),
      // Receivers on this machine's loopback only, and retries in seconds, not minutes.
      env: (s) => ({
        HEALTH_HOST: s.host,
        HEALTH_PORT: String(s.ports.notifierHealth),
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_RETRY_DELAYS_SECONDS: '1,2,4',
      }),
      ready: (_env, s) => httpOk(`http://${s.host}:${s.ports.notifierHealth}/readyz`)(),
    },
    {
      // The demo page and its token-minting backend, on an origin of its own;
      // it holds the demo tenant's API key (made by `up`), as a customer's backend would.
      name: 'web',
      script: join(settings.root, 'apps/web/src/main.ts'),
      env: (s) => {
        const tenant = JSON.parse(readFileSync(webDemoFile(s.home), 'utf8')) as WebDemoTenant;
        return {
          HOST: s.host,
          PORT: String(s.ports.web),
          AIRLOCK_WEB_SITE_ID: tenant.siteId,
          AIRLOCK_WEB_API_KEY: tenant.apiKey,
        };
      },
      ready: (env) => httpOk(`${env.AIRLOCK_WEB_URL}/healthz`)(),
    },
  ];
}

/** `stage=url,…` of every process's `/metrics` page. */
function metricsUrls(settings: StackSettings): string {
  const { ports, host } = settings;
  return Object.entries({
    api: ports.apiMetrics,
    verifier: ports.verifierHealth,
    scanner: ports.scannerHealth,
    media: ports.mediaHealth,
    notifier: ports.notifierHealth,
  })
    .map(([stage, port]) => `${stage}=http://${host}:${port}/metrics`)
    .join(',');
}

/** Where a browser reaches the demo web app: both loopback names are allowed origins. */
const webOrigins = (settings: StackSettings) => [
  `http://${settings.host}:${settings.ports.web}`,
  `http://localhost:${settings.ports.web}`,
];

/** The local logins' password (one for every app: this is a throwaway stack), kept under the stack's home. */
function appDatabasePassword(settings: StackSettings): string {
  const file = join(settings.home, 'db-app-password');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** `AIRLOCK_DATABASE_URL_<APP>`: where the stack tells tests and operators each app's own URL. */
export const appDatabaseUrlEnv = (app: string) =>
  `AIRLOCK_DATABASE_URL_${app.toUpperCase().replaceAll('-', '_')}`;

function folderSecret(settings: StackSettings): string {
  if (!existsSync(settings.secretFile)) {
    writeFileSync(settings.secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(settings.secretFile, 'utf8').trim();
}

async function startEmulators(settings: StackSettings, baseEnv: NodeJS.ProcessEnv) {
  const readyFile = join(settings.run, 'emulators.json');
  let pid = runningPid(settings, 'emulators');
  if (pid === undefined) {
    rmSync(readyFile, { force: true });
    pid = startDetached(
      settings,
      'emulators',
      join(settings.root, 'libs/dev-stack/src/emulators.main.ts'),
      baseEnv,
    );
  }
  await waitFor('the S3/SQS emulators', async () => existsSync(readyFile), {
    timeoutMs: 30_000,
    log: logFile(settings, 'emulators'),
    pid,
  });
  return JSON.parse(readFileSync(readyFile, 'utf8')) as {
    s3Endpoint: string;
    sqsEndpoint: string;
    queues: Record<string, { url: string; dlqUrl: string }>;
    sandboxEventsUrl: string;
    otlpEndpoint: string;
  };
}

/**
 * `AIRLOCK_DEV_CPU_PROF=<service>` and `AIRLOCK_DEV_CPU_PROF_DIR=<dir>` when
 * that service starts: it runs under V8's profiler (node --cpu-prof) and
 * writes a .cpuprofile into the folder when it exits (the bench's profile).
 */
function profiling(service: string): Record<string, string> {
  const dir = process.env.AIRLOCK_DEV_CPU_PROF_DIR;
  if (!dir || process.env.AIRLOCK_DEV_CPU_PROF !== service) return {};
  const options = process.env.NODE_OPTIONS ?? '';
  return {
    NODE_OPTIONS: `${options} --cpu-prof --cpu-prof-dir=${dir}`.trim(),
    // A worker finishes its long poll before it exits, and a process killed
    // after the grace period writes no profile: short polls let it stop in time.
    WORKER_WAIT_TIME_SECONDS: '1',
  };
}

const envName = (queue: string) => queue.toUpperCase().replaceAll('-', '_');

/**
 * Starts whatever is not running yet and returns the environment every app
 * and test uses. Safe to call again: running parts are left alone.
 */
export async function up(log: (line: string) => void = () => {}): Promise<StackEnv> {
  const settings = stackSettings();
  mkdirSync(settings.home, { recursive: true });
  const awsEnv = {
    AWS_REGION: settings.region,
    AWS_ACCESS_KEY_ID: settings.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: settings.credentials.secretAccessKey,
  };
  // clamd loads its signatures while the rest starts; awaited before the apps.
  const clamd = ensureClamd(settings);
  clamd.catch(() => {});

  // DATABASE_URL names an outside database, unless it is the stack's own (as
  // exported by `airlock dev status --env`): that cluster the stack still runs.
  const ownDatabaseUrl = `postgres://postgres@${settings.host}:${settings.ports.postgres}/airlock`;
  const database =
    settings.databaseUrl && settings.databaseUrl !== ownDatabaseUrl
      ? { url: settings.databaseUrl, managed: false }
      : await ensurePostgres({
          home: settings.home,
          host: settings.host,
          port: settings.ports.postgres,
          database: 'airlock',
        });
  log(`postgres    ${database.url}${database.managed ? ' (stack cluster)' : ''}`);
  const applied = await migrate(database.url);
  log(`migrations  ${applied.length ? applied.join(', ') : 'up to date'}`);
  // Each app connects as its own login, a member of its group role only
  // (libs/postgres/migrations/*_app-roles.sql); DATABASE_URL stays the owner's,
  // for migrations, tests and the CLI.
  const password = appDatabasePassword(settings);
  const appDatabaseUrls: Record<string, string> = {};
  for (const app of DATABASE_APPS) {
    await ensureAppLogin(database.url, app, password);
    appDatabaseUrls[appDatabaseUrlEnv(app)] = databaseUrlAs(
      database.url,
      appLoginRole(app),
      password,
    );
  }
  log(`db logins   ${DATABASE_APPS.map(appLoginRole).join(', ')}`);
  const webDemo = await ensureWebDemoTenant(database.url, settings.home, webOrigins(settings));
  log(`web demo    customer ${webDemo.customerId}, site ${webDemo.siteId}`);

  const emulators = await startEmulators(settings, { ...process.env, ...awsEnv });
  log(`s3          ${emulators.s3Endpoint}`);
  log(`sqs         ${emulators.sqsEndpoint}`);
  log(`traces      ${emulators.otlpEndpoint}${settings.tracing ? '' : ' (export off)'}`);
  const clamdEnv = await clamd;
  log(`clamd       ${clamdEnv.CLAMD_HOST}:${clamdEnv.CLAMD_PORT}`);

  const env: StackEnv = {
    AIRLOCK_API_URL: `http://${settings.host}:${settings.ports.api}`,
    AIRLOCK_WEB_URL: webOrigins(settings)[0]!,
    // Every process's /metrics, by stage (`airlock top` and the tests read it).
    AIRLOCK_METRICS_URLS: metricsUrls(settings),
    DATABASE_URL: database.url,
    ...appDatabaseUrls,
    ...awsEnv,
    S3_ENDPOINT: emulators.s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    SQS_ENDPOINT: emulators.sqsEndpoint,
    UPLOADS_BUCKET: settings.buckets.uploads,
    QUARANTINE_BUCKET: settings.buckets.quarantine,
    PROCESSED_BUCKET: settings.buckets.processed,
    SANDBOX_BUCKET: settings.buckets.sandbox,
    SANDBOX_EVENTS_QUEUE_URL: emulators.sandboxEventsUrl,
    // The trace receiver (GET /traces/<traceId>); the apps export to it
    // unless AIRLOCK_DEV_TRACING=off, every half second.
    AIRLOCK_DEV_OTLP_URL: emulators.otlpEndpoint,
    ...(settings.tracing
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: emulators.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '500' }
      : {}),
    ...clamdEnv,
    ...settings.uploadLimits,
    FOLDER_SECRET: folderSecret(settings),
    ...Object.fromEntries(
      Object.entries(emulators.queues).flatMap(([queue, urls]) => [
        [`${envName(queue)}_QUEUE_URL`, urls.url],
        [`${envName(queue)}_DLQ_URL`, urls.dlqUrl],
      ]),
    ),
  };

  for (const service of services(settings)) {
    let pid = runningPid(settings, service.name);
    if (pid === undefined) {
      pid = startDetached(settings, service.name, service.script, {
        // A worker lets its last long poll finish before it exits, and stop()
        // kills after 10 s: a 20 s poll would be killed mid-wait, and the
        // message SQS still hands it stays hidden for a visibility timeout.
        WORKER_WAIT_TIME_SECONDS: '5',
        // Queue depth every 2 s, not 15: a local pipeline drains in seconds.
        METRICS_SAMPLE_SECONDS: '2',
        ...process.env,
        ...env,
        ...service.env(settings),
        ...profiling(service.name),
        ...(isDatabaseApp(service.name)
          ? { DATABASE_URL: env[appDatabaseUrlEnv(service.name)]! }
          : {}),
      });
    }
    await waitFor(service.name, () => service.ready(env, settings), {
      timeoutMs: 30_000,
      log: logFile(settings, service.name),
      pid,
    });
    log(`${service.name.padEnd(11)} running`);
  }
  writeFileSync(
    settings.stateFile,
    JSON.stringify({ env, managedPostgres: database.managed }, null, 2),
  );
  return env;
}

export async function down(log: (line: string) => void = () => {}): Promise<void> {
  const settings = stackSettings();
  for (const service of [...services(settings)].reverse()) {
    if (await stopProcess(settings, service.name)) log(`${service.name} stopped`);
  }
  if (await stopProcess(settings, 'emulators')) log('emulators stopped');
  if (await stopClamd(settings)) log('clamd stopped');
  if (stopPostgres(settings.home)) log('postgres stopped');
  rmSync(settings.stateFile, { force: true });
}

/**
 * Stops one of the stack's apps (SIGTERM, its shutdown, SIGKILL after
 * `graceMs`); the next `up` starts it again.
 */
export async function stopService(name: string, graceMs?: number): Promise<boolean> {
  const settings = stackSettings();
  if (!services(settings).some((service) => service.name === name)) {
    throw new Error(`${name} is not one of the stack's apps`);
  }
  return stopProcess(settings, name, graceMs);
}

export type ServiceStatus = { name: string; running: boolean; pid: number | undefined };

export function status(): { services: ServiceStatus[]; env: StackEnv | undefined } {
  const settings = stackSettings();
  const names = ['emulators', 'clamd', ...services(settings).map((s) => s.name)];
  const env = localStackEnv(process.env);
  return {
    services: names.map((name) => {
      const pid = runningPid(settings, name);
      return { name, running: pid !== undefined, pid };
    }),
    env,
  };
}
