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
import {
  logFile,
  recordedNames,
  runningPid,
  startDetached,
  stopProcess,
  waitFor,
} from './processes.ts';
import {
  forgetReplicaPorts,
  isReplicaOf,
  replicaCount,
  replicaNames,
  replicaPorts,
} from './replicas.ts';
import { stackSettings, type StackSettings } from './stack-settings.ts';
import { ensureWebDemoTenant, webDemoFile, type WebDemoTenant } from './web-demo.ts';

export type StackEnv = Record<string, string>;

type Service = {
  name: string;
  script: string;
  /** Replica 1's ports; readiness is probed on the first. */
  ports: (settings: StackSettings) => number[];
  env: (settings: StackSettings, ports: readonly number[]) => Record<string, string>;
  readyPath: '/readyz' | '/healthz';
  /** Copied AIRLOCK_DEV_REPLICAS times (the demo web app stays one). */
  replicated: boolean;
  /** Several copies share its first port through the local balancer (the API's public port). */
  balanced?: boolean;
  /** Which of its ports serves `/metrics`, and the stage `airlock top` shows it under. */
  metrics?: { stage: string; port: number };
};

/** One process of a service: its name (`verifier` alone, `verifier-2` among several) and ports. */
type Replica = { service: Service; name: string; ports: readonly number[] };

/** The process in front of several upload-api replicas, on the API's public port. */
const BALANCER = 'api-balancer';

const httpOk = (url: string) => async () =>
  (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;

/** The long-running processes of the stack, in start order. */
function services(settings: StackSettings): Service[] {
  return [
    {
      name: 'upload-api',
      script: join(settings.root, 'apps/upload-api/src/main.ts'),
      ports: (s) => [s.ports.api, s.ports.apiMetrics],
      readyPath: '/readyz',
      replicated: true,
      balanced: true,
      metrics: { stage: 'api', port: 1 },
      // Local webhook receivers are plain http on loopback: the notifier's allow-list.
      env: (s, [port, metricsPort]) => ({
        HOST: s.host,
        PORT: String(port),
        METRICS_HOST: s.host,
        METRICS_PORT: String(metricsPort),
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        // Every test (and the OpenAPI fuzz, with its wrong keys) calls from 127.0.0.1:
        // the per-IP budget of failed authentications (default 60) is for the open
        // internet; apps/upload-api/test/security-hardening.test.ts proves it in-process.
        AUTH_FAILURES_PER_IP_PER_MINUTE: '1000',
      }),
    },
    {
      name: 'verifier',
      script: join(settings.root, 'apps/verifier/src/main.ts'),
      ...worker('verifier', (s) => s.ports.verifierHealth),
      env: (s, [port]) => ({ HEALTH_HOST: s.host, HEALTH_PORT: String(port) }),
    },
    {
      name: 'scanner',
      script: join(settings.root, 'apps/scanner/src/main.ts'),
      ...worker('scanner', (s) => s.ports.scannerHealth),
      env: (s, [port]) => ({ HEALTH_HOST: s.host, HEALTH_PORT: String(port) }),
    },
    {
      name: 'media',
      script: join(settings.root, 'apps/media/src/main.ts'),
      ...worker('media', (s) => s.ports.mediaHealth),
      // Fewer glibc arenas: sharp's freed buffers otherwise stay resident.
      env: (s, [port]) => ({
        HEALTH_HOST: s.host,
        HEALTH_PORT: String(port),
        MALLOC_ARENA_MAX: '2',
      }),
    },
    {
      name: 'notifier',
      script: join(settings.root, 'apps/notifier/src/main.ts'),
      ...worker('notifier', (s) => s.ports.notifierHealth),
      // Receivers on this machine's loopback only, and retries in seconds, not minutes.
      env: (s, [port]) => ({
        HEALTH_HOST: s.host,
        HEALTH_PORT: String(port),
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_RETRY_DELAYS_SECONDS: '1,2,4',
      }),
    },
    {
      // The demo page and its token-minting backend, on an origin of its own;
      // it holds the demo tenant's API key (made by `up`), as a customer's backend would.
      name: 'web',
      script: join(settings.root, 'apps/web/src/main.ts'),
      ports: (s) => [s.ports.web],
      readyPath: '/healthz',
      replicated: false,
      env: (s, [port]) => {
        const tenant = JSON.parse(readFileSync(webDemoFile(s.home), 'utf8')) as WebDemoTenant;
        return {
          HOST: s.host,
          PORT: String(port),
          AIRLOCK_WEB_SITE_ID: tenant.siteId,
          AIRLOCK_WEB_API_KEY: tenant.apiKey,
        };
      },
    },
  ];
}

/** A worker: replicated, its health port serving /readyz and /metrics. */
function worker(stage: string, port: (settings: StackSettings) => number) {
  return {
    ports: (s: StackSettings) => [port(s)],
    readyPath: '/readyz' as const,
    replicated: true,
    metrics: { stage, port: 0 },
  };
}

/** `stage=url,…` of every process's `/metrics` page (one entry per replica). */
function metricsUrls(settings: StackSettings, replicas: readonly Replica[]): string {
  return replicas
    .flatMap(({ service, ports }) =>
      service.metrics
        ? [
            `${service.metrics.stage}=http://${settings.host}:${ports[service.metrics.port]}/metrics`,
          ]
        : [],
    )
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

/** The replica count the running stack recorded in its state file, if it runs. */
function recordedReplicas(settings: StackSettings): number | undefined {
  if (!existsSync(settings.stateFile)) return undefined;
  return (JSON.parse(readFileSync(settings.stateFile, 'utf8')) as { replicas?: number }).replicas;
}

const replicasOf = (settings: StackSettings, service: Service, count: number) =>
  replicaNames(service.name, service.replicated ? count : 1);

/** Every process of every service for `count` replicas, with its ports, in start order. */
async function planReplicas(settings: StackSettings, count: number): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (const service of services(settings)) {
    const names = replicasOf(settings, service, count);
    for (const [at, name] of names.entries()) {
      const ports = await replicaPorts(settings.run, settings.host, {
        name,
        index: at + 1,
        count: names.length,
        configured: service.ports(settings),
        balanced: Boolean(service.balanced),
      });
      replicas.push({ service, name, ports });
    }
  }
  return replicas;
}

/** Stops processes of another replica count than `count` (e.g. `verifier` when 3 are asked). */
async function stopSurplus(settings: StackSettings, replicas: readonly Replica[], count: number) {
  const wanted = new Set(replicas.map((replica) => replica.name));
  if (count > 1) wanted.add(BALANCER);
  const surplus = recordedNames(settings).filter(
    (name) =>
      !wanted.has(name) &&
      (name === BALANCER || services(settings).some((service) => isReplicaOf(service.name, name))),
  );
  await Promise.all(surplus.map((name) => stopProcess(settings, name)));
}

/** The balancer on the API's public port, in front of every upload-api replica. */
async function ensureBalancer(settings: StackSettings, apis: readonly Replica[]): Promise<void> {
  const backends = apis.map((api) => `${settings.host}:${api.ports[0]}`).join(',');
  const backendsFile = join(settings.run, `${BALANCER}.backends`);
  let pid = runningPid(settings, BALANCER);
  const current = existsSync(backendsFile) ? readFileSync(backendsFile, 'utf8') : undefined;
  if (pid !== undefined && current !== backends) {
    await stopProcess(settings, BALANCER);
    pid = undefined;
  }
  if (pid === undefined) {
    pid = startDetached(
      settings,
      BALANCER,
      join(settings.root, 'libs/dev-stack/src/api-balancer.main.ts'),
      {
        ...process.env,
        AIRLOCK_DEV_BALANCER_LISTEN: `${settings.host}:${settings.ports.api}`,
        AIRLOCK_DEV_BALANCER_BACKENDS: backends,
      },
    );
    writeFileSync(backendsFile, backends);
  }
  await waitFor(BALANCER, httpOk(`http://${settings.host}:${settings.ports.api}/readyz`), {
    timeoutMs: 30_000,
    log: logFile(settings, BALANCER),
    pid,
  });
}

/**
 * Starts whatever is not running yet and returns the environment every app
 * and test uses. Safe to call again: running parts are left alone.
 */
export async function up(log: (line: string) => void = () => {}): Promise<StackEnv> {
  const settings = stackSettings();
  mkdirSync(settings.home, { recursive: true });
  const count = replicaCount(process.env.AIRLOCK_DEV_REPLICAS, recordedReplicas(settings));
  const replicas = await planReplicas(settings, count);
  await stopSurplus(settings, replicas, count);
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
    AIRLOCK_METRICS_URLS: metricsUrls(settings, replicas),
    // How many processes of each app run (`dev up --replicas`).
    AIRLOCK_DEV_REPLICAS: String(count),
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
    const copies = replicas.filter((replica) => replica.service.name === service.name);
    await Promise.all(copies.map((replica) => startReplica(settings, env, replica)));
    if (service.balanced && copies.length > 1) await ensureBalancer(settings, copies);
    log(
      `${service.name.padEnd(11)} running${copies.length > 1 ? ` (${copies.length} replicas)` : ''}`,
    );
  }
  writeFileSync(
    settings.stateFile,
    JSON.stringify({ env, replicas: count, managedPostgres: database.managed }, null, 2),
  );
  return env;
}

/** Starts one process of a service unless it runs, and waits until it is ready. */
async function startReplica(settings: StackSettings, env: StackEnv, replica: Replica) {
  const { service, name, ports } = replica;
  let pid = runningPid(settings, name);
  if (pid === undefined) {
    pid = startDetached(settings, name, service.script, {
      // A worker lets its last long poll finish before it exits, and stop()
      // kills after 10 s: a 20 s poll would be killed mid-wait, and the
      // message SQS still hands it stays hidden for a visibility timeout.
      WORKER_WAIT_TIME_SECONDS: '5',
      // Queue depth every 2 s, not 15: a local pipeline drains in seconds.
      METRICS_SAMPLE_SECONDS: '2',
      ...process.env,
      ...env,
      ...service.env(settings, ports),
      ...profiling(service.name),
      ...(isDatabaseApp(service.name)
        ? { DATABASE_URL: env[appDatabaseUrlEnv(service.name)]! }
        : {}),
    });
  }
  await waitFor(name, httpOk(`http://${settings.host}:${ports[0]}${service.readyPath}`), {
    timeoutMs: 30_000,
    log: logFile(settings, name),
    pid,
  });
}

export async function down(log: (line: string) => void = () => {}): Promise<void> {
  const settings = stackSettings();
  if (await stopProcess(settings, BALANCER)) log(`${BALANCER} stopped`);
  for (const service of [...services(settings)].reverse()) {
    const names = recordedNames(settings).filter((name) => isReplicaOf(service.name, name));
    const stopped = await Promise.all(names.map((name) => stopProcess(settings, name)));
    names.filter((_name, at) => stopped[at]).forEach((name) => log(`${name} stopped`));
  }
  forgetReplicaPorts(settings.run);
  rmSync(join(settings.run, `${BALANCER}.backends`), { force: true });
  if (await stopProcess(settings, 'emulators')) log('emulators stopped');
  if (await stopClamd(settings)) log('clamd stopped');
  if (stopPostgres(settings.home)) log('postgres stopped');
  rmSync(settings.stateFile, { force: true });
}

/**
 * Stops one of the stack's apps, every replica of it (`verifier`), or one
 * replica (`verifier-2`): SIGTERM, its shutdown, SIGKILL after `graceMs`;
 * the next `up` starts it again (a replica on the same ports).
 */
export async function stopService(name: string, graceMs?: number): Promise<boolean> {
  const settings = stackSettings();
  const service = services(settings).find((candidate) => isReplicaOf(candidate.name, name));
  if (!service) throw new Error(`${name} is not one of the stack's apps`);
  const names =
    name === service.name
      ? recordedNames(settings).filter((recorded) => isReplicaOf(service.name, recorded))
      : [name];
  const stopped = await Promise.all(names.map((each) => stopProcess(settings, each, graceMs)));
  return stopped.some(Boolean);
}

/** One process: `group` is its app (`verifier` for `verifier-2`), the name `dev status` groups by. */
export type ServiceStatus = {
  name: string;
  group: string;
  running: boolean;
  pid: number | undefined;
};

export function status(): {
  services: ServiceStatus[];
  replicas: number;
  env: StackEnv | undefined;
} {
  const settings = stackSettings();
  const count = recordedReplicas(settings) ?? replicaCount(process.env.AIRLOCK_DEV_REPLICAS);
  const processes = [
    { name: 'emulators', group: 'emulators' },
    { name: 'clamd', group: 'clamd' },
    ...(count > 1 ? [{ name: BALANCER, group: BALANCER }] : []),
    ...services(settings).flatMap((service) =>
      replicasOf(settings, service, count).map((name) => ({ name, group: service.name })),
    ),
  ];
  const env = localStackEnv(process.env);
  return {
    services: processes.map(({ name, group }) => {
      const pid = runningPid(settings, name);
      return { name, group, running: pid !== undefined, pid };
    }),
    replicas: count,
    env,
  };
}
