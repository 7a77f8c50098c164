import { DB_CLASSES, LIMITS, PRICES, type DbClass } from './aws-inputs.ts';
import type { MeasuredCpu } from './measured.ts';
import {
  DESIGN_RATE_PER_SECOND,
  DRAIN_SECONDS,
  MIN_MAX_TASKS,
  NAT_BYTES_PER_SQS_REQUEST,
  NAT_BYTES_PER_WEBHOOK,
  SETTINGS_MAX_TASKS,
  SIZE_CLASSES,
  STAGE_SPECS,
  STAGES,
  TARGET_UTILIZATION,
  WEBHOOK_DELIVERY_SECONDS,
  WEBHOOKS_PER_UPLOAD,
  requestsPerFile,
  taskVcpu,
  type Requests,
  type SizeClass,
  type Stage,
} from './workload.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** What one upload of a class (or of a mix) costs each stage. */
export type Profile = {
  /** CPU seconds per upload, per stage (the scanner's includes its clamd). */
  readonly cpu: Readonly<Record<Stage, number>>;
  /** PostgreSQL CPU seconds per upload. */
  readonly dbCpu: number;
  readonly requests: Readonly<Record<Stage, Requests>>;
  /** Messages per upload on each worker's queue (media: images only). */
  readonly messages: Readonly<Record<Stage, number>>;
  readonly bytes: number;
};

/**
 * One upload of `sizeClass`, from the measured CPU: a fixed cost per file
 * (4 KiB set) plus a cost per MiB (mixed set) for hashing and streaming;
 * clamd per MiB on documents and videos; images scaled by bytes from the
 * photo set, whose decode and fuzzy hash grow with pixels.
 */
export function profileOf(m: MeasuredCpu, sizeClass: SizeClass): Profile {
  const mib = sizeClass.bytes / MiB;
  const image = sizeClass.kind === 'image';
  const photoScale = sizeClass.bytes / m.photo.meanBytes;
  const clamd = {
    text: m.perFile.clamd,
    image: 0,
    document: m.clamdPerMiBDocument * mib,
    video: m.clamdPerMiBVideo * mib,
  }[sizeClass.kind];
  const cpu: Record<Stage, number> = {
    'upload-api': m.perFile['upload-api'],
    verifier: m.perFile.verifier + m.verifierPerMiB * mib,
    scanner: image
      ? m.photo.scannerSeconds * photoScale
      : m.perFile.scanner + m.scannerPerMiB * mib + clamd,
    media: image ? m.photo.mediaSeconds * photoScale : 0,
    notifier: m.perFile.notifier,
  };
  const requests = Object.fromEntries(
    STAGES.map((stage) => [stage, requestsPerFile(stage, sizeClass)]),
  ) as Record<Stage, Requests>;
  const messages: Record<Stage, number> = {
    'upload-api': 0,
    verifier: 1,
    scanner: 1,
    media: image ? 1 : 0,
    notifier: WEBHOOKS_PER_UPLOAD,
  };
  return { cpu, dbCpu: m.perFile.postgres, requests, messages, bytes: sizeClass.bytes };
}

const weighted = <K extends string>(
  parts: readonly { weight: number; value: Readonly<Record<K, number>> }[],
  keys: readonly K[],
): Record<K, number> =>
  Object.fromEntries(
    keys.map((key) => [key, parts.reduce((sum, p) => sum + p.weight * p.value[key], 0)]),
  ) as Record<K, number>;

/** The average upload of a mix (weights by class id, summing to 1). */
export function mixProfile(m: MeasuredCpu, mix: Readonly<Record<string, number>>): Profile {
  const parts = SIZE_CLASSES.map((c) => ({ weight: mix[c.id] ?? 0, profile: profileOf(m, c) }));
  const total = parts.reduce((sum, p) => sum + p.weight, 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`the mix's weights sum to ${total}, not 1`);
  const requestKeys = ['s3Writes', 's3Reads', 'sqs'] as const;
  return {
    cpu: weighted(
      parts.map((p) => ({ weight: p.weight, value: p.profile.cpu })),
      STAGES,
    ),
    dbCpu: parts.reduce((sum, p) => sum + p.weight * p.profile.dbCpu, 0),
    requests: Object.fromEntries(
      STAGES.map((stage) => [
        stage,
        weighted(
          parts.map((p) => ({ weight: p.weight, value: p.profile.requests[stage] })),
          requestKeys,
        ),
      ]),
    ) as Record<Stage, Requests>,
    messages: weighted(
      parts.map((p) => ({ weight: p.weight, value: p.profile.messages })),
      STAGES,
    ),
    bytes: parts.reduce((sum, p) => sum + p.weight * p.profile.bytes, 0),
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const total = (p: Profile, key: keyof Requests): number =>
  sum(STAGES.map((s) => p.requests[s][key]));

/** $ an hour for one task of the stage (vCPU and memory). */
export const taskHourly = (stage: Stage): number =>
  taskVcpu(stage) * PRICES.fargateVcpuHour.value +
  (STAGE_SPECS[stage].memoryMiB / 1024) * PRICES.fargateGbHour.value;

/** The non-burstable class whose vCPU price the per-upload database share is charged at. */
const PRICED_DB = DB_CLASSES.find((db) => db.baseline.value === 1)!;

export type CostPerMillion = {
  readonly fargate: Readonly<Record<Stage, number>>;
  readonly s3Requests: number;
  readonly sqsRequests: number;
  readonly natProcessing: number;
  readonly database: number;
  /** Everything above: what a million more uploads add to the bill. */
  readonly total: number;
  /** Keeping the million originals in S3 Standard, per month (renditions and versions not counted). */
  readonly storagePerMonth: number;
};

/**
 * The marginal cost of a million uploads: task-seconds at the rate one task
 * handles (CPU at the target utilization; the notifier's deliveries), requests at list price with no free tier, the NAT
 * gateway's per-GB charge on SQS and webhook traffic, and the database's
 * vCPU-seconds at a non-burstable class's price.
 */
export function costPerMillion(p: Profile): CostPerMillion {
  const million = 1e6;
  const fargate = Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      (million / uploadsPerTask(p, stage)) * (taskHourly(stage) / 3600),
    ]),
  ) as Record<Stage, number>;
  const s3Requests =
    ((total(p, 's3Writes') * PRICES.s3WritePer1000.value +
      total(p, 's3Reads') * PRICES.s3ReadPer1000.value) *
      million) /
    1000;
  const sqsRequests = total(p, 'sqs') * PRICES.sqsPerMillion.value;
  const natBytes =
    total(p, 'sqs') * NAT_BYTES_PER_SQS_REQUEST + p.messages.notifier * NAT_BYTES_PER_WEBHOOK;
  const natProcessing = ((natBytes * million) / GiB) * PRICES.natPerGb.value;
  const database =
    ((p.dbCpu / TARGET_UTILIZATION) * (PRICED_DB.hourly.value / PRICED_DB.vcpu) * million) / 3600;
  return {
    fargate,
    s3Requests,
    sqsRequests,
    natProcessing,
    database,
    total: sum(Object.values(fargate)) + s3Requests + sqsRequests + natProcessing + database,
    storagePerMonth: ((p.bytes * million) / GiB) * PRICES.s3StandardGbMonth.value,
  };
}

/**
 * Uploads a second one task of the stage handles: its CPU at the target
 * utilization, and for the notifier also its deliveries in flight, which wait
 * on customers' endpoints rather than on CPU.
 */
export function uploadsPerTask(p: Profile, stage: Stage): number {
  const byCpu = (taskVcpu(stage) * TARGET_UTILIZATION) / p.cpu[stage];
  if (stage !== 'notifier' || p.messages.notifier === 0) return byCpu;
  const byDeliveries =
    STAGE_SPECS.notifier.concurrency / (WEBHOOK_DELIVERY_SECONDS * p.messages.notifier);
  return Math.min(byCpu, byDeliveries);
}

export function tasksNeeded(p: Profile, stage: Stage, ratePerSecond: number): number {
  const busy = ratePerSecond / uploadsPerTask(p, stage);
  return Math.max(STAGE_SPECS[stage].minTasks, Math.ceil(busy - 1e-9));
}

/** vCPU a database class sustains at the target utilization. */
const dbCapacity = (db: DbClass): number => db.vcpu * db.baseline.value * TARGET_UTILIZATION;

/** The smallest class that carries the rate's PostgreSQL CPU, or undefined past the largest. */
export const dbClassFor = (p: Profile, ratePerSecond: number): DbClass | undefined =>
  DB_CLASSES.find((db) => dbCapacity(db) >= ratePerSecond * p.dbCpu);

export const maxConnections = (db: DbClass): number =>
  Math.min(
    Math.floor((db.memoryGiB * GiB) / LIMITS.rdsBytesPerConnection.value),
    LIMITS.rdsMaxConnections.value,
  );

export const connectionsAt = (p: Profile, ratePerSecond: number): number =>
  sum(STAGES.map((s) => tasksNeeded(p, s, ratePerSecond) * STAGE_SPECS[s].connections));

export type Wall = {
  readonly id: string;
  readonly limit: string;
  /** Uploads a second at which it is reached (Infinity: never, on this model). */
  readonly hitAt: number;
  readonly change: string;
};

/** The first rate (searched upward in 1 % steps) at which `crossed` holds. */
function firstRate(crossed: (rate: number) => boolean, upTo = 1e6): number {
  for (let rate = 1; rate <= upTo; rate = Math.max(rate + 1, Math.floor(rate * 1.01))) {
    if (crossed(rate)) return rate;
  }
  return Infinity;
}

/** Rate at which a stage needs more than `tasks` tasks. */
const rateAtTasks = (p: Profile, stage: Stage, tasks: number): number =>
  tasks * uploadsPerTask(p, stage);

const s3PrefixWrites = (p: Profile): number => p.requests['upload-api'].s3Writes;
const s3PrefixReads = (p: Profile): number => sum(STAGES.map((s) => p.requests[s].s3Reads));

/**
 * The limits the profile reaches as the rate grows, lowest first. S3's
 * per-prefix rates are for one customer (its uploads share a key prefix);
 * many customers spread over many prefixes.
 */
export function walls(p: Profile): Wall[] {
  const defaultDb = DB_CLASSES[0]!;
  const largestDb = DB_CLASSES.at(-1)!;
  const found: Wall[] = [
    {
      id: 'rds-default',
      limit: `PostgreSQL CPU on the default ${defaultDb.name} (burstable: ${defaultDb.baseline.value * 100} % of each vCPU sustained)`,
      hitAt: dbCapacity(defaultDb) / p.dbCpu,
      change: `a non-burstable class (\`dbInstanceType\`): ${PRICED_DB.name} carries about ${Math.floor(dbCapacity(PRICED_DB) / p.dbCpu)} uploads/s; the steps table names the class for each rate`,
    },
    {
      id: 'rds-largest',
      limit: `PostgreSQL CPU on one writer (${largestDb.name})`,
      hitAt: dbCapacity(largestDb) / p.dbCpu,
      change:
        'split customers across databases (one writer each); the audit of ready uploads is kept as long as they are (docs/retention.md), so it moves with its customer',
    },
    {
      id: 'db-connections',
      limit:
        'PostgreSQL connections: every task holds its pool, against the class default max_connections',
      hitAt: firstRate((rate) => {
        const db = dbClassFor(p, rate);
        return db === undefined || connectionsAt(p, rate) > maxConnections(db);
      }),
      change:
        'RDS Proxy or a session-mode pooler in front of PostgreSQL (the tenancy LISTEN connection and prepared statements need session mode), or smaller pools per task',
    },
    {
      id: 'clamav-mirror',
      limit: `more than ${LIMITS.clamavHostsBeforeMirror.value} scanner tasks each running freshclam against the ClamAV CDN`,
      hitAt: rateAtTasks(p, 'scanner', LIMITS.clamavHostsBeforeMirror.value),
      change:
        'a private signature mirror (cvdupdate, served from S3 or a small task) and freshclam pointed at it (PrivateMirror)',
    },
    ...STAGES.map((stage) => ({
      id: `task-cap-${stage}`,
      limit: `${SETTINGS_MAX_TASKS} ${stage} tasks, the most infra/src/settings.ts accepts`,
      hitAt: rateAtTasks(p, stage, SETTINGS_MAX_TASKS),
      change: `larger ${stage} tasks (more vCPU and WORKER_CONCURRENCY per task) and a higher cap; check the account's Fargate vCPU quota`,
    })),
    ...STAGES.filter((stage) => STAGE_SPECS[stage].concurrency > 0).map((stage) => ({
      id: `sqs-in-flight-${stage}`,
      limit: `${LIMITS.sqsInFlight.value.toLocaleString('en-US')} messages in flight on ${stage}'s queue (tasks × concurrency)`,
      hitAt: rateAtTasks(p, stage, LIMITS.sqsInFlight.value / STAGE_SPECS[stage].concurrency),
      change: 'more queues (shard by customer) or fewer messages in hand per task',
    })),
    {
      id: 's3-prefix-writes',
      limit: `S3 writes on one customer's prefix (${LIMITS.s3WritesPerPrefix.value.toLocaleString('en-US')}/s per partition)`,
      hitAt: LIMITS.s3WritesPerPrefix.value / s3PrefixWrites(p),
      change:
        "S3 splits a busy prefix by itself within 30–60 minutes (keys carry the content hash after the customer's folder, so it can); for a known launch, ask AWS Support to pre-partition; parts of 64 MiB instead of 16 cut a video's writes by 4",
    },
    {
      id: 's3-prefix-reads',
      limit: `S3 reads on one customer's prefix (${LIMITS.s3ReadsPerPrefix.value.toLocaleString('en-US')}/s per partition)`,
      hitAt: LIMITS.s3ReadsPerPrefix.value / s3PrefixReads(p),
      change:
        'as for writes; and one read per file instead of two (verifier and scanner reading the object once between them)',
    },
  ];
  return found.sort((a, b) => a.hitAt - b.hitAt || a.id.localeCompare(b.id));
}

export type AppScaling = {
  readonly cpu: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly backlogPerTask?: number;
};

export type ScalingSettings = {
  readonly designRatePerSecond: number;
  readonly targetCpuPercent: number;
  readonly apps: Readonly<Record<Stage, AppScaling>>;
};

const twoSignificant = (value: number): number => {
  if (value < 10) return Math.round(value);
  const unit = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.round(value / unit) * unit;
};

/**
 * The CDK's scaling settings from the design mix: the maximum is what the
 * design rate needs; the backlog per task is the messages one task finishes
 * within a scaling period, never below the messages it holds at once (a
 * merely busy task must not look like a backlog).
 */
export function scalingSettings(design: Profile): ScalingSettings {
  const apps = Object.fromEntries(
    STAGES.map((stage) => {
      const spec = STAGE_SPECS[stage];
      const maxTasks = Math.min(
        SETTINGS_MAX_TASKS,
        Math.max(MIN_MAX_TASKS, tasksNeeded(design, stage, DESIGN_RATE_PER_SECOND)),
      );
      const app: AppScaling = { cpu: spec.cpu, minTasks: spec.minTasks, maxTasks };
      if (stage === 'upload-api') return [stage, app];
      const messagesPerTaskSecond =
        uploadsPerTask(design, stage) * design.messages[stage] || Infinity;
      const backlogPerTask = Math.max(
        spec.concurrency,
        twoSignificant(Math.min(messagesPerTaskSecond * DRAIN_SECONDS, 10_000)),
      );
      return [stage, { ...app, backlogPerTask }];
    }),
  ) as Record<Stage, AppScaling>;
  return {
    designRatePerSecond: DESIGN_RATE_PER_SECOND,
    targetCpuPercent: Math.round(TARGET_UTILIZATION * 100),
    apps,
  };
}
