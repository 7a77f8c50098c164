/**
 * AWS prices and limits the capacity model uses, each with where it was read.
 * Region us-east-1, on-demand, USD. Every figure was read on 2026-11-30 from
 * a stored copy of the page named (this project cannot browse the live web).
 * `aws`: AWS's own page says it. `secondary`: a third party quotes it and the
 * AWS page that publishes it is named in `check`. `assumption`: not found in
 * any stored page; the figure is ours and must be checked at `check`.
 */
export type SourceKind = 'aws' | 'secondary' | 'assumption';

export type Source = {
  readonly kind: SourceKind;
  readonly title: string;
  /** Where the figure was read (for `assumption`: where it is published). */
  readonly url: string;
  /** The AWS page that publishes it, when `url` is not that page. */
  readonly check?: string;
  readonly note?: string;
};

export type Sourced = { readonly value: number; readonly unit: string; readonly source: Source };

export const REGION = 'us-east-1';
export const RETRIEVED = '2026-11-30';

const S3_PRICING = 'https://aws.amazon.com/s3/pricing/';
const SQS_PRICING = 'https://aws.amazon.com/sqs/pricing/';
const FARGATE_PRICING = 'https://aws.amazon.com/fargate/pricing/';
const VPC_PRICING = 'https://aws.amazon.com/vpc/pricing/';
const EC2_PRICING = 'https://aws.amazon.com/ec2/pricing/on-demand/';
const RDS_PG_PRICING = 'https://aws.amazon.com/rds/postgresql/pricing/';

const s3Requests: Source = {
  kind: 'secondary',
  title: 'S3 request fees explained (c3x.dev): S3 Standard request prices',
  url: 'https://c3x.dev/blog/s3-request-fees-explained',
  check: S3_PRICING,
  note: "the stored copy of AWS's page does not show its request table",
};
const s3Storage: Source = {
  kind: 'secondary',
  title: 'Understanding Amazon S3 pricing (deepeshsoni.com): S3 Standard, first 50 TB',
  url: 'https://deepeshsoni.com/archives/256',
  check: S3_PRICING,
};
const s3Prefix: Source = {
  kind: 'aws',
  title: 'AWS Knowledge Center: S3 object key naming pattern (and its correction)',
  url: 'https://aws.amazon.com/premiumsupport/knowledge-center/s3-object-key-naming-pattern/',
  check: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
  note: '"at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned Amazon S3 prefix"; S3 partitions a busy prefix by itself in 30 to 60 minutes, or ahead of time through AWS Support',
};
const sqsPrice: Source = {
  kind: 'secondary',
  title: 'Amazon SQS pricing (cloudburn.io, us-east-1, March 2026)',
  url: 'https://cloudburn.io/blog/amazon-sqs-pricing',
  check: SQS_PRICING,
  note: 'standard queues, first 100 billion requests a month; the first million a month is free; every 64 KB of a payload is one request',
};
const sqsQueueQuotas: Source = {
  kind: 'aws',
  title: 'Amazon SQS standard queue quotas',
  url: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html',
  note: '"a maximum of approximately 120,000 in flight messages"; long polling waits at most 20 seconds',
};
const sqsMessageQuotas: Source = {
  kind: 'aws',
  title: 'Amazon SQS message quotas',
  url: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
  note: 'read in its stored Spanish translation: a batch request holds at most 10 messages',
};
const fargate: Source = {
  kind: 'secondary',
  title: 'AWS Fargate pricing explained (vantage.sh): Linux/x86, us-east-1',
  url: 'https://www.vantage.sh/blog/fargate-pricing',
  check: FARGATE_PRICING,
  note: "AWS's page renders its rates by script, so its stored copy shows none; the ECS pricing page's worked example ($0.000011244 per vCPU-second = $0.04048 an hour) agrees",
};
const nat: Source = {
  kind: 'secondary',
  title: 'AWS NAT Gateway pricing (basavytix.com): us-east-1',
  url: 'https://basavytix.com/blog/aws-nat-gateway-pricing',
  check: VPC_PRICING,
  note: "the VPC pricing page's own example (US East, Ohio) uses the same $0.045 an hour and $0.045 per GB",
};
const dataOut: Source = {
  kind: 'secondary',
  title: 'AWS data transfer pricing guide (wring.co)',
  url: 'https://wring.co/blog/aws-data-transfer-pricing-guide',
  check: EC2_PRICING,
  note: 'to the internet, up to 10 TB a month; data in is free; S3 to services in its region is free',
};
const rdsBurstable: Source = {
  kind: 'secondary',
  title: 'AWS RDS pricing explained 2026 (infratally.com): db.t4g, Single-AZ, us-east-1',
  url: 'https://infratally.com/articles/aws-rds-pricing-explained-2026.html',
  check: RDS_PG_PRICING,
};
const rdsGeneral: Source = {
  kind: 'assumption',
  title: 'RDS for PostgreSQL db.m7g on-demand prices (not found in any stored page)',
  url: RDS_PG_PRICING,
  note: 'db.m7g.large at $0.168 an hour, each size up double the one below, 4 GiB of memory per vCPU; check before relying on it',
};
const rdsBaseline: Source = {
  kind: 'assumption',
  title: 'Burstable (db.t4g) baseline CPU per vCPU (not found in any stored page)',
  url: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.html',
  note: 'a t4g instance sustains only its baseline share of each vCPU once its CPU credits are spent',
};
const rdsConnections: Source = {
  kind: 'secondary',
  title: 'RDS default max_connections, LEAST({DBInstanceClassMemory/9531392}, 5000)',
  url: 'https://github.com/developmentseed/eoapi-cdk/pull/1',
  check:
    'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections',
  note: 'DBInstanceClassMemory is somewhat below the class memory, so the real figure is a little lower',
};
const freshclam: Source = {
  kind: 'secondary',
  title:
    "freshclam's own advice when the ClamAV CDN rate-limits (quoted in Cisco-Talos/clamav#1256)",
  url: 'https://github.com/Cisco-Talos/clamav/issues/1256',
  check: 'https://docs.clamav.net/manual/Usage/SignatureManagement.html',
  note: '"If you have more than 10 hosts on your network attempting to download, it is recommended that you set up a private mirror on your network using cvdupdate"; check no more than once an hour',
};

const sourced = (value: number, unit: string, source: Source): Sourced => ({ value, unit, source });

export const PRICES = {
  s3WritePer1000: sourced(0.005, '$ per 1,000 PUT/COPY/POST/LIST', s3Requests),
  s3ReadPer1000: sourced(0.0004, '$ per 1,000 GET/HEAD', s3Requests),
  s3StandardGbMonth: sourced(0.023, '$ per GB-month', s3Storage),
  sqsPerMillion: sourced(0.4, '$ per million requests', sqsPrice),
  fargateVcpuHour: sourced(0.04048, '$ per vCPU-hour', fargate),
  fargateGbHour: sourced(0.004445, '$ per GB-hour', fargate),
  natHour: sourced(0.045, '$ per NAT gateway-hour', nat),
  natPerGb: sourced(0.045, '$ per GB processed', nat),
  dataOutPerGb: sourced(0.09, '$ per GB out to the internet', dataOut),
} as const;

export type DbClass = {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly hourly: Sourced;
  /** Share of each vCPU it sustains; 1 for a non-burstable class. */
  readonly baseline: Sourced;
};

const full = sourced(1, 'share of each vCPU', {
  kind: 'aws',
  title: 'non-burstable class',
  url: RDS_PG_PRICING,
});
const m7g = (size: string, vcpu: number, hourly: number): DbClass => ({
  name: `db.m7g.${size}`,
  vcpu,
  memoryGiB: vcpu * 4,
  hourly: sourced(hourly, '$ per hour', rdsGeneral),
  baseline: full,
});

/** The RDS classes the model steps through, smallest first. */
export const DB_CLASSES: readonly DbClass[] = [
  {
    name: 'db.t4g.micro',
    vcpu: 2,
    memoryGiB: 1,
    hourly: sourced(0.016, '$ per hour', rdsBurstable),
    baseline: sourced(0.1, 'share of each vCPU', rdsBaseline),
  },
  {
    name: 'db.t4g.medium',
    vcpu: 2,
    memoryGiB: 4,
    hourly: sourced(0.065, '$ per hour', rdsBurstable),
    baseline: sourced(0.2, 'share of each vCPU', rdsBaseline),
  },
  m7g('large', 2, 0.168),
  m7g('xlarge', 4, 0.336),
  m7g('2xlarge', 8, 0.672),
  m7g('4xlarge', 16, 1.344),
  m7g('8xlarge', 32, 2.688),
  m7g('16xlarge', 64, 5.376),
];

export const LIMITS = {
  s3WritesPerPrefix: sourced(
    3500,
    'PUT/COPY/POST/DELETE per second per partitioned prefix',
    s3Prefix,
  ),
  s3ReadsPerPrefix: sourced(5500, 'GET/HEAD per second per partitioned prefix', s3Prefix),
  sqsInFlight: sourced(120_000, 'messages in flight per standard queue', sqsQueueQuotas),
  sqsBatch: sourced(10, 'messages per batch request', sqsMessageQuotas),
  rdsBytesPerConnection: sourced(
    9_531_392,
    'bytes of instance memory per default connection',
    rdsConnections,
  ),
  rdsMaxConnections: sourced(5000, 'connections at most by default', rdsConnections),
  clamavHostsBeforeMirror: sourced(
    10,
    'hosts downloading signatures before a private mirror',
    freshclam,
  ),
} as const;

/** Every source the model cites, for the document's inputs table. */
export const ALL_SOURCED: readonly { readonly name: string; readonly input: Sourced }[] = [
  ...Object.entries(PRICES).map(([name, input]) => ({ name, input })),
  ...Object.entries(LIMITS).map(([name, input]) => ({ name, input })),
  ...DB_CLASSES.flatMap((db) => [
    { name: `${db.name} hourly`, input: db.hourly },
    ...(db.baseline.value < 1 ? [{ name: `${db.name} baseline`, input: db.baseline }] : []),
  ]),
];
