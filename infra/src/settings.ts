import { CAPACITY_SETTINGS } from './capacity-settings.ts';

/** The long-running apps, each its own ECS service and task role. */
export const APP_NAMES = ['upload-api', 'verifier', 'scanner', 'media', 'notifier'] as const;
export type AppName = (typeof APP_NAMES)[number];

export type TaskRange = { readonly min: number; readonly max: number };

/** Everything an operator may choose at deploy time; `readSettings` fills in the defaults. */
export type AirlockSettings = {
  /** Image for every app (`<registry>/<repo>:<tag>`); unset: built from the repo's Dockerfile. */
  readonly appImage: string | undefined;
  /** clamd with freshclam; unset: built from infra/clamav/Dockerfile (clamav/clamav + our limits). */
  readonly clamdImage: string | undefined;
  readonly cpuArchitecture: 'x86_64' | 'arm64';
  /** Browser origins allowed to send files to presigned URLs (PUT, parts, form POST); none: no CORS rule (server-side clients only). */
  readonly corsOrigins: readonly string[];
  /**
   * How `uploads` tells upload-events of new objects: an S3 bucket notification,
   * or EventBridge (the bucket's events on the default bus, a rule sending its
   * Object Created events to the queue, for accounts that route S3 events there).
   */
  readonly s3Events: 'notification' | 'eventbridge';
  /** Encryption at rest for the buckets: SSE-S3, or SSE-KMS with a customer-managed key. */
  readonly encryption: 's3' | 'kms';
  readonly quarantineRetentionDays: number;
  /** How long an overwritten or deleted original stays recoverable in `uploads`. */
  readonly uploadsNoncurrentDays: number;
  readonly maxReceiveCount: number;
  /** A Secrets Manager secret holding a `postgres://` URL; unset: an RDS instance is created. */
  readonly databaseUrlSecretArn: string | undefined;
  /**
   * With `databaseUrlSecretArn`: the same database as `postgres://host:port/db?params`
   * without credentials; each app then connects as its own login
   * (`airlock_<app>_app`, created by migrate). Unset: every app shares the secret's URL.
   */
  readonly databaseAppUrl: string | undefined;
  readonly dbInstanceType: string;
  readonly dbMultiAz: boolean;
  readonly dbDeletionProtection: boolean;
  /** An existing secret holding FOLDER_SECRET (keep it when moving a live bucket); unset: generated. */
  readonly folderSecretArn: string | undefined;
  /** ACM certificate for the API's load balancer; unset: plain HTTP on port 80 (testing only). */
  readonly certificateArn: string | undefined;
  /** 0: tasks run in public subnets with public IPs instead of behind NAT (cheaper, less isolated). */
  readonly natGateways: number;
  readonly workersOnSpot: boolean;
  readonly alarmEmail: string | undefined;
  /** OTLP/HTTP collector every task exports its traces to; none: tracing off. */
  readonly otlpEndpoint: string | undefined;
  /**
   * A security group (`sg-…`: a Prometheus or ADOT collector's in the VPC)
   * allowed to reach every task's /metrics port; none: nothing may reach it.
   */
  readonly metricsScraperSecurityGroupId: string | undefined;
  readonly oldestMessageAlarmSeconds: number;
  readonly logRetentionDays: number;
  /** EventBridge schedule for `airlock sweep`; `off` disables it. */
  readonly sweepSchedule: string | undefined;
  /** EventBridge schedule for `airlock db prune` (docs/retention.md); `off` disables it. */
  readonly pruneSchedule: string | undefined;
  /**
   * How long `airlock db prune` keeps a terminal upload's rows after its last
   * move: longer than its objects live (quarantineRetentionDays, uploadsNoncurrentDays).
   */
  readonly terminalUploadsRetentionDays: number;
  readonly tasks: Readonly<Record<AppName, TaskRange>>;
};

export const DEFAULT_SETTINGS: AirlockSettings = {
  appImage: undefined,
  clamdImage: undefined,
  cpuArchitecture: 'x86_64',
  corsOrigins: [],
  s3Events: 'notification',
  encryption: 's3',
  quarantineRetentionDays: 30,
  uploadsNoncurrentDays: 7,
  maxReceiveCount: 5,
  databaseUrlSecretArn: undefined,
  databaseAppUrl: undefined,
  dbInstanceType: 't4g.micro',
  dbMultiAz: false,
  dbDeletionProtection: true,
  folderSecretArn: undefined,
  certificateArn: undefined,
  natGateways: 1,
  workersOnSpot: false,
  alarmEmail: undefined,
  otlpEndpoint: undefined,
  metricsScraperSecurityGroupId: undefined,
  oldestMessageAlarmSeconds: 900,
  logRetentionDays: 30,
  sweepSchedule: 'rate(15 minutes)',
  pruneSchedule: 'cron(20 3 * * ? *)',
  terminalUploadsRetentionDays: 90,
  // From the capacity model (docs/capacity.md): the tasks its design rate needs.
  tasks: Object.fromEntries(
    APP_NAMES.map((app) => {
      const { minTasks, maxTasks } = CAPACITY_SETTINGS.apps[app];
      return [app, { min: minTasks, max: maxTasks }];
    }),
  ) as Record<AppName, TaskRange>,
};

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** `upload-api` → `uploadApi`: the context key prefix for an app's task range. */
export const contextPrefix = (app: AppName): string =>
  app.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Why `url` cannot be the apps' base URL (each app adds its own login), if it cannot. */
function appUrlProblem(url: string): string | undefined {
  const authority = /^postgres(?:ql)?:\/\/([^/?#\s]+)/.exec(url)?.[1];
  if (!authority) return 'expected a postgres://host:port/db URL';
  if (authority.includes('@')) {
    return 'no user or password: each app logs in as airlock_<app>_app with its own secret';
  }
  return undefined;
}

type ContextReader = (key: string) => unknown;

/**
 * Settings from CDK context (`-c key=value` or cdk.json). Values from the
 * command line arrive as strings, so every reader accepts both forms; any
 * bad value throws, naming every problem at once.
 */
export function readSettings(context: ContextReader): AirlockSettings {
  const problems: string[] = [];
  const d = DEFAULT_SETTINGS;

  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') {
      problems.push(`${key}: expected a string`);
      return undefined;
    }
    return value.trim();
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const value = context(key);
    if (value === undefined || value === '') return fallback;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}: expected a whole number from ${min} to ${max}, got ${String(value)}`);
      return fallback;
    }
    return n;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = context(key);
    if (value === undefined || value === '') return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`${key}: expected true or false, got ${String(value)}`);
    return fallback;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = text(key);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      problems.push(`${key}: expected one of ${allowed.join(', ')}, got ${value}`);
      return fallback;
    }
    return value as T;
  };
  const list = (key: string): string[] => {
    const value = context(key);
    if (value === undefined || value === '') return [];
    const items = Array.isArray(value) ? value : String(value).split(',');
    return items.map((item) => String(item).trim()).filter((item) => item !== '');
  };

  const corsOrigins = list('corsOrigins');
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/*\s]+$/.test(origin))
      problems.push(`corsOrigins: ${origin} is not an origin like https://app.example.com`);
  }

  const logRetentionDays = integer('logRetentionDays', d.logRetentionDays, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays))
    problems.push(`logRetentionDays: CloudWatch accepts ${LOG_RETENTION_DAYS.join(', ')}`);

  const tasks = {} as Record<AppName, TaskRange>;
  for (const app of APP_NAMES) {
    const prefix = contextPrefix(app);
    const min = integer(`${prefix}MinTasks`, d.tasks[app].min, 0, 100);
    const max = integer(`${prefix}MaxTasks`, Math.max(d.tasks[app].max, min), 1, 100);
    if (max < min) problems.push(`${prefix}MaxTasks: ${max} is below ${prefix}MinTasks ${min}`);
    tasks[app] = { min, max };
  }
  if (tasks['upload-api'].min < 1) problems.push('uploadApiMinTasks: the API needs at least 1');
  // The notifier is scaled on webhook-jobs, which only its own relay fills
  // from the outbox: at 0 tasks nothing would ever start one.
  if (tasks.notifier.min < 1) {
    problems.push('notifierMinTasks: the notifier relays the webhook outbox; it needs at least 1');
  }

  // There is no CloudFront distribution any more (docs/security.md, finding 13):
  // an unsigned CDN served renditions by key and kept quarantined ones cached.
  // `cdn=false` is what happens anyway; asking for one must not pass silently.
  if (flag('cdn', false)) {
    problems.push(
      "cdn: removed: renditions are served only through the API's signed S3 URLs (no CloudFront)",
    );
  }

  const databaseUrlSecretArn = text('databaseUrlSecretArn');
  const databaseAppUrl = text('databaseAppUrl');
  if (databaseAppUrl !== undefined) {
    if (!databaseUrlSecretArn) {
      problems.push('databaseAppUrl: only with databaseUrlSecretArn (RDS apps get their own URLs)');
    }
    const problem = appUrlProblem(databaseAppUrl);
    if (problem) problems.push(`databaseAppUrl: ${problem}`);
  }

  const sweep = text('sweepSchedule') ?? d.sweepSchedule;
  const prune = text('pruneSchedule') ?? d.pruneSchedule;
  const quarantineRetentionDays = integer(
    'quarantineRetentionDays',
    d.quarantineRetentionDays,
    1,
    3650,
  );
  const uploadsNoncurrentDays = integer('uploadsNoncurrentDays', d.uploadsNoncurrentDays, 1, 365);
  const otlpEndpoint = text('otlpEndpoint');
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(otlpEndpoint))
    problems.push(`otlpEndpoint: ${otlpEndpoint} is not an http(s) URL like http://collector:4318`);
  const metricsScraperSecurityGroupId = text('metricsScraperSecurityGroupId');
  if (
    metricsScraperSecurityGroupId !== undefined &&
    !/^sg-[0-9a-f]{8,17}$/.test(metricsScraperSecurityGroupId)
  )
    problems.push(
      `metricsScraperSecurityGroupId: ${metricsScraperSecurityGroupId} is not a security group id like sg-0123456789abcdef0`,
    );
  // A terminal upload's rows go only once its objects are gone, lifecycle lag included.
  const objectsGoneAfter = Math.max(quarantineRetentionDays, uploadsNoncurrentDays) + 1;
  const terminalUploadsRetentionDays = integer(
    'terminalUploadsRetentionDays',
    Math.max(d.terminalUploadsRetentionDays, objectsGoneAfter),
    1,
    36_500,
  );
  if (terminalUploadsRetentionDays < objectsGoneAfter)
    problems.push(
      `terminalUploadsRetentionDays: ${terminalUploadsRetentionDays} would remove the rows of ` +
        `uploads whose objects may still exist; at least ${objectsGoneAfter}`,
    );
  const settings: AirlockSettings = {
    appImage: text('appImage'),
    clamdImage: text('clamdImage'),
    cpuArchitecture: oneOf('cpuArchitecture', ['x86_64', 'arm64'], d.cpuArchitecture),
    corsOrigins,
    s3Events: oneOf('s3Events', ['notification', 'eventbridge'], d.s3Events),
    encryption: oneOf('encryption', ['s3', 'kms'], d.encryption),
    quarantineRetentionDays,
    uploadsNoncurrentDays,
    maxReceiveCount: integer('maxReceiveCount', d.maxReceiveCount, 1, 1000),
    databaseUrlSecretArn,
    databaseAppUrl,
    dbInstanceType: text('dbInstanceType') ?? d.dbInstanceType,
    dbMultiAz: flag('dbMultiAz', d.dbMultiAz),
    dbDeletionProtection: flag('dbDeletionProtection', d.dbDeletionProtection),
    folderSecretArn: text('folderSecretArn'),
    certificateArn: text('certificateArn'),
    natGateways: integer('natGateways', d.natGateways, 0, 3),
    workersOnSpot: flag('workersOnSpot', d.workersOnSpot),
    alarmEmail: text('alarmEmail'),
    otlpEndpoint,
    metricsScraperSecurityGroupId,
    oldestMessageAlarmSeconds: integer(
      'oldestMessageAlarmSeconds',
      d.oldestMessageAlarmSeconds,
      60,
      1_209_600,
    ),
    logRetentionDays,
    sweepSchedule: sweep === 'off' ? undefined : sweep,
    pruneSchedule: prune === 'off' ? undefined : prune,
    terminalUploadsRetentionDays,
    tasks,
  };
  if (problems.length > 0) throw new Error(`Invalid Airlock settings:\n  ${problems.join('\n  ')}`);
  return settings;
}
