import { backlogSteps } from '../src/queue-scaling.ts';
import { DEFAULT_SETTINGS, readSettings } from '../src/settings.ts';

const fromContext = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe('readSettings', () => {
  it('gives the defaults for an empty context', () => {
    expect(fromContext({})).toEqual(DEFAULT_SETTINGS);
  });

  it('reads command-line strings (-c key=value)', () => {
    const settings = fromContext({
      appImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/airlock:1.2.3',
      corsOrigins: 'https://app.example.com, https://admin.example.com',
      encryption: 'kms',
      quarantineRetentionDays: '90',
      natGateways: '0',
      workersOnSpot: 'true',
      cdn: 'false',
      scannerMaxTasks: '10',
      mediaMinTasks: '0',
      sweepSchedule: 'off',
    });
    expect(settings).toMatchObject({
      appImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/airlock:1.2.3',
      corsOrigins: ['https://app.example.com', 'https://admin.example.com'],
      encryption: 'kms',
      quarantineRetentionDays: 90,
      natGateways: 0,
      workersOnSpot: true,
      sweepSchedule: undefined,
    });
    expect(settings).not.toHaveProperty('cdn');
    expect(settings.tasks.scanner).toEqual({ min: 1, max: 10 });
    expect(settings.tasks.media).toEqual({ min: 0, max: DEFAULT_SETTINGS.tasks.media.max });
  });

  it('keeps terminal uploads longer than their objects: raised with the quarantine retention, refused below it', () => {
    expect(fromContext({}).terminalUploadsRetentionDays).toBe(90);
    expect(fromContext({ quarantineRetentionDays: '120' }).terminalUploadsRetentionDays).toBe(121);
    expect(() =>
      fromContext({ quarantineRetentionDays: '60', terminalUploadsRetentionDays: '45' }),
    ).toThrow(/terminalUploadsRetentionDays: 45 would remove .* at least 61/);
    expect(fromContext({ pruneSchedule: 'off' }).pruneSchedule).toBeUndefined();
  });

  it('reads cdk.json values (arrays, numbers, booleans)', () => {
    expect(
      fromContext({ corsOrigins: ['https://a.example'], maxReceiveCount: 8, dbMultiAz: true }),
    ).toMatchObject({ corsOrigins: ['https://a.example'], maxReceiveCount: 8, dbMultiAz: true });
  });

  it('raises a max below a larger min', () => {
    expect(fromContext({ verifierMinTasks: '6' }).tasks.verifier).toEqual({ min: 6, max: 6 });
  });

  it('refuses bad values, naming each', () => {
    const read = () =>
      fromContext({
        encryption: 'aes',
        corsOrigins: 'https://ok.example,*',
        natGateways: '-1',
        cdn: 'maybe',
        logRetentionDays: '10',
        uploadApiMinTasks: '0',
        notifierMinTasks: '0',
        scannerMinTasks: '3',
        scannerMaxTasks: '2',
        otlpEndpoint: 'collector:4318',
        metricsScraperSecurityGroupId: 'prometheus',
      });
    expect(read).toThrow(/^Invalid Airlock settings:/);
    const message = (() => {
      try {
        read();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message.split('\n').slice(1)).toEqual([
      '  corsOrigins: * is not an origin like https://app.example.com',
      '  logRetentionDays: CloudWatch accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      '  scannerMaxTasks: 2 is below scannerMinTasks 3',
      '  uploadApiMinTasks: the API needs at least 1',
      '  notifierMinTasks: the notifier relays the webhook outbox; it needs at least 1',
      '  cdn: expected true or false, got maybe',
      '  otlpEndpoint: collector:4318 is not an http(s) URL like http://collector:4318',
      '  metricsScraperSecurityGroupId: prometheus is not a security group id like sg-0123456789abcdef0',
      '  encryption: expected one of s3, kms, got aes',
      '  natGateways: expected a whole number from 0 to 3, got -1',
    ]);
  });

  it('reads databaseAppUrl, the operator database without credentials, for per-app logins', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:airlock-db-url-AbCdEf';
    const url = 'postgres://db.example.com:5432/airlock?sslmode=verify-full';
    expect(fromContext({ databaseUrlSecretArn: arn, databaseAppUrl: ` ${url} ` })).toMatchObject({
      databaseUrlSecretArn: arn,
      databaseAppUrl: url,
    });
    expect(DEFAULT_SETTINGS.databaseAppUrl).toBeUndefined();
  });

  it.each([
    [
      'postgres://db.example.com/airlock',
      {},
      'databaseAppUrl: only with databaseUrlSecretArn (RDS apps get their own URLs)',
    ],
    [
      'postgres://airlock:hunter2@db.example.com/airlock',
      { databaseUrlSecretArn: 'arn:x' },
      'databaseAppUrl: no user or password: each app logs in as airlock_<app>_app with its own secret',
    ],
    [
      'postgresql://owner@db.example.com/airlock',
      { databaseUrlSecretArn: 'arn:x' },
      'databaseAppUrl: no user or password: each app logs in as airlock_<app>_app with its own secret',
    ],
    [
      'mysql://db.example.com/airlock',
      { databaseUrlSecretArn: 'arn:x' },
      'databaseAppUrl: expected a postgres://host:port/db URL',
    ],
  ])('refuses databaseAppUrl %s (%j)', (databaseAppUrl, rest, problem) => {
    expect(() => fromContext({ ...rest, databaseAppUrl })).toThrow(
      `Invalid Airlock settings:\n  ${problem}`,
    );
  });

  it('refuses to deploy a CDN: there is none until the API hands out signed CloudFront URLs', () => {
    for (const cdn of [true, 'true']) {
      expect(() => fromContext({ cdn })).toThrow(
        "Invalid Airlock settings:\n  cdn: removed: renditions are served only through the API's signed S3 URLs (no CloudFront)",
      );
    }
    expect(fromContext({ cdn: 'false' })).toEqual(DEFAULT_SETTINGS);
  });
});

describe('backlogSteps', () => {
  it('maps an empty queue to the minimum and a deep one to the maximum', () => {
    expect(backlogSteps({ min: 1, max: 4 }, 20)).toEqual([
      { upper: 0, change: 1 },
      { lower: 1, change: 1 },
      { lower: 20, change: 2 },
      { lower: 80, change: 4 },
    ]);
  });

  it('wakes a service scaled to zero on its first message', () => {
    expect(backlogSteps({ min: 0, max: 3 }, 10)).toEqual([
      { upper: 0, change: 0 },
      { lower: 1, change: 1 },
      { lower: 10, change: 2 },
      { lower: 40, change: 3 },
    ]);
  });
});
