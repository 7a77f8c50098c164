import type { MeasuredCpu } from './measured.ts';
import {
  costPerMillion,
  dbClassFor,
  maxConnections,
  mixProfile,
  profileOf,
  scalingSettings,
  tasksNeeded,
  uploadsPerTask,
  walls,
} from './model.ts';
import { SIZE_CLASSES, partsOf, requestsPerFile, type SizeClass } from './workload.ts';

const MiB = 1024 * 1024;
const cls = (id: string): SizeClass => SIZE_CLASSES.find((c) => c.id === id)!;

/** Round figures, so every expectation below can be worked out by hand. */
const measured: MeasuredCpu = {
  run: 'test',
  machine: 'test',
  perFile: {
    'upload-api': 0.001,
    verifier: 0.004,
    scanner: 0.004,
    media: 0,
    notifier: 0.0001,
    postgres: 0.004,
    clamd: 0.001,
  },
  verifierPerMiB: 0.004,
  scannerPerMiB: 0.006,
  clamdPerMiBDocument: 0.014,
  clamdPerMiBVideo: 0.028,
  photo: { meanBytes: 6_000_000, scannerSeconds: 0.4, mediaSeconds: 1 },
};

describe('profileOf', () => {
  it('charges a small text file the per-file CPU of each process, clamd in the scanner', () => {
    const text = profileOf(measured, cls('text'));
    expect(text.cpu.verifier).toBeCloseTo(0.004 + (4096 / MiB) * 0.004, 9);
    expect(text.cpu.scanner).toBeCloseTo(0.004 + (4096 / MiB) * 0.006 + 0.001, 9);
    expect(text.cpu.media).toBe(0);
    expect(text.dbCpu).toBe(0.004);
  });

  it('scales a photo from the photo set by bytes, and only images reach media', () => {
    const photo = profileOf(measured, cls('photo'));
    expect(photo.cpu.scanner).toBeCloseTo(0.2, 9);
    expect(photo.cpu.media).toBeCloseTo(0.5, 9);
    expect(photo.messages.media).toBe(1);
    expect(profileOf(measured, cls('pdf')).messages.media).toBe(0);
  });

  it('reads documents and videos at their own clamd rate per MiB', () => {
    const video = profileOf(measured, cls('video'));
    expect(video.cpu.scanner).toBeCloseTo(0.004 + 1024 * (0.006 + 0.028), 6);
  });
});

describe('requestsPerFile', () => {
  it('sends files up to 100 MiB in one PUT and larger ones in 16 MiB parts', () => {
    expect(partsOf(100 * MiB)).toBe(0);
    expect(partsOf(1024 * MiB)).toBe(64);
    expect(requestsPerFile('upload-api', cls('pdf')).s3Writes).toBe(1);
    // Create, 64 parts, ListParts, Complete.
    expect(requestsPerFile('upload-api', cls('video')).s3Writes).toBe(67);
  });

  it('has the media worker read an image once and write three renditions', () => {
    expect(requestsPerFile('media', cls('photo'))).toEqual({ s3Writes: 3, s3Reads: 1, sqs: 2 });
    expect(requestsPerFile('media', cls('text'))).toEqual({ s3Writes: 0, s3Reads: 0, sqs: 0 });
    expect(requestsPerFile('scanner', cls('photo')).sqs).toBe(3);
  });
});

describe('mixProfile', () => {
  it('is the weighted average of its classes', () => {
    const half = mixProfile(measured, { text: 0.5, photo: 0.5 });
    const text = profileOf(measured, cls('text'));
    const photo = profileOf(measured, cls('photo'));
    expect(half.cpu.scanner).toBeCloseTo((text.cpu.scanner + photo.cpu.scanner) / 2, 9);
    expect(half.messages.media).toBe(0.5);
    expect(half.requests.media.s3Writes).toBe(1.5);
  });

  it('refuses weights that do not sum to 1', () => {
    expect(() => mixProfile(measured, { text: 0.5 })).toThrow('sum to 0.5');
  });
});

describe('tasks', () => {
  const photo = profileOf(measured, cls('photo'));

  it('runs enough tasks to keep each at the target CPU, never below the minimum', () => {
    // media: 0.5 vCPU at 60 % = 0.3 CPU-s a second; a photo costs 0.5 s.
    expect(uploadsPerTask(photo, 'media')).toBeCloseTo(0.6, 9);
    expect(tasksNeeded(photo, 'media', 6)).toBe(10);
    expect(tasksNeeded(photo, 'media', 6.1)).toBe(11);
    expect(tasksNeeded(photo, 'media', 0)).toBe(1);
  });

  it('sizes the notifier by deliveries in flight, not only by CPU', () => {
    // 16 deliveries at a time, 1 s each: 16 uploads a second per task.
    expect(uploadsPerTask(photo, 'notifier')).toBe(16);
  });
});

describe('database', () => {
  const text = profileOf(measured, cls('text'));

  it('picks the smallest class whose sustained CPU carries the rate', () => {
    // db.t4g.micro: 2 vCPU × 10 % × 60 % = 0.12 CPU-s a second = 30 uploads/s at 4 ms.
    expect(dbClassFor(text, 30)!.name).toBe('db.t4g.micro');
    expect(dbClassFor(text, 31)!.name).toBe('db.t4g.medium');
    expect(dbClassFor(text, 1e6)).toBeUndefined();
  });

  it("follows RDS's default max_connections formula, capped at 5,000", () => {
    const large = dbClassFor(text, 100)!;
    expect(large.name).toBe('db.m7g.large');
    expect(maxConnections(large)).toBe(Math.floor((8 * 1024 * MiB) / 9531392));
    expect(maxConnections(dbClassFor(text, 9000)!)).toBe(5000);
  });
});

describe('costPerMillion', () => {
  it('prices requests at list price and tasks at the CPU they use', () => {
    const cost = costPerMillion(profileOf(measured, cls('text')));
    // 1 PUT at $0.005 per 1,000; 2 GETs at $0.0004 per 1,000.
    expect(cost.s3Requests).toBeCloseTo(5 + 0.8, 9);
    // 1 + 3 + 2 + 3 SQS requests at $0.40 per million.
    expect(cost.sqsRequests).toBeCloseTo(9 * 0.4, 9);
    expect(cost.total).toBeGreaterThan(cost.s3Requests + cost.sqsRequests);
  });
});

describe('walls', () => {
  it('lists the limits lowest rate first, the default database among the first', () => {
    const found = walls(mixProfile(measured, { text: 1 }));
    const rates = found.map((w) => w.hitAt);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(found.find((w) => w.id === 'rds-default')!.hitAt).toBeCloseTo(30, 6);
    expect(found.find((w) => w.id === 's3-prefix-writes')!.hitAt).toBe(3500);
  });
});

describe('scalingSettings', () => {
  it('sizes the maximum for the design rate and the backlog for a minute of one task', () => {
    const settings = scalingSettings(profileOf(measured, cls('photo')));
    // media at 10 photos/s: 10 ÷ 0.6 = 16.7 → 17 tasks; a task does 0.6 a second → 36 a minute.
    expect(settings.apps.media).toEqual({
      cpu: 512,
      minTasks: 1,
      maxTasks: 17,
      backlogPerTask: 36,
    });
    expect(settings.apps['upload-api'].backlogPerTask).toBeUndefined();
    expect(settings.targetCpuPercent).toBe(60);
  });

  it('never sets a backlog below what one busy task holds at once', () => {
    const video = scalingSettings(profileOf(measured, cls('video')));
    expect(video.apps.scanner.backlogPerTask).toBe(4);
  });
});
