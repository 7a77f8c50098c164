import { decodeS3EventKey } from './await-notification.ts';
import {
  encodeS3EventKey,
  s3TestEvent,
  toS3Notification,
  type EmulatorEvent,
} from './s3-event-envelope.ts';

const options = { region: 'eu-west-3', configurationId: 'cfg-1' };

type Notified = {
  Records: Array<{
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventTime: string;
    eventName: string;
    s3: {
      configurationId: string;
      bucket: { name: string; arn: string };
      object: { key: string; size: number; eTag?: string; sequencer: string };
    };
  }>;
};

function record(
  eventName: string,
  key: string,
  object: { size?: number; eTag?: string } = {},
): EmulatorEvent['Records'][number] {
  return {
    eventTime: '2024-05-01T10:00:00.000Z',
    eventName,
    requestParameters: { sourceIPAddress: '10.0.0.7' },
    s3: { bucket: { name: 'b' }, object: { key, sequencer: 'emulator-seq', ...object } },
  };
}

const notify = (...records: EmulatorEvent['Records']) => {
  const body = toS3Notification({ Records: records }, options);
  return body === undefined ? undefined : (JSON.parse(body) as Notified);
};

describe('encodeS3EventKey', () => {
  it('writes a space as + and keeps /', () => {
    expect(encodeS3EventKey('a/b c/d e.txt')).toBe('a/b+c/d+e.txt');
  });

  it("percent-encodes !'()~ which encodeURIComponent leaves alone", () => {
    expect(encodeS3EventKey("x!y'z(1)~.txt")).toBe('x%21y%27z%281%29%7E.txt');
  });

  it('percent-encodes non-ASCII as UTF-8 and reserved characters as such', () => {
    expect(encodeS3EventKey('café/日本.png')).toBe('caf%C3%A9/%E6%97%A5%E6%9C%AC.png');
    expect(encodeS3EventKey('a+b=c&d%e?#')).toBe('a%2Bb%3Dc%26d%25e%3F%23');
  });

  it('leaves unreserved characters as they are', () => {
    expect(encodeS3EventKey('AZaz09-_.*')).toBe('AZaz09-_.*');
  });

  it.each([
    'plain.txt',
    'dev-stack-test/1234/my file (1).txt',
    "it's a ~test~ (really)!.bin",
    'a+b plus/space and %25 literal.txt',
    'ünïcödé/文件 名.pdf',
    '  leading and trailing  ',
    'emoji 🙂/x.png',
  ])('round-trips %j through decodeS3EventKey', (key) => {
    const encoded = encodeS3EventKey(key);
    expect(encoded).not.toMatch(/[ !'()~]/);
    expect(decodeS3EventKey(encoded)).toBe(key);
  });
});

describe('toS3Notification', () => {
  it('wraps an ObjectCreated event in the envelope S3 sends to SQS', () => {
    const body = notify(
      record('ObjectCreated:Put', 'dir/my file (1).txt', { size: 42, eTag: 'abc123' }),
    );
    expect(body?.Records).toHaveLength(1);
    expect(body!.Records[0]).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-3',
      eventTime: '2024-05-01T10:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      requestParameters: { sourceIPAddress: '10.0.0.7' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cfg-1',
        bucket: { name: 'b', arn: 'arn:aws:s3:::b' },
        object: {
          key: 'dir/my+file+%281%29.txt',
          size: 42,
          eTag: 'abc123',
          sequencer: expect.stringMatching(/^[0-9A-F]+$/),
        },
      },
    });
  });

  it('reports size 0 and no eTag when the emulator gives none', () => {
    const object = notify(record('ObjectCreated:Copy', 'k'))!.Records[0]!.s3.object;
    expect(object.size).toBe(0);
    expect(object).not.toHaveProperty('eTag');
  });

  it('gives every record a sequencer greater than the one before', () => {
    const first = notify(record('ObjectCreated:Put', 'a'), record('ObjectCreated:Put', 'b'))!;
    const second = notify(record('ObjectCreated:Put', 'a'))!;
    const sequencers = [...first.Records, ...second.Records].map((r) => r.s3.object.sequencer);
    expect(new Set(sequencers).size).toBe(3);
    expect([...sequencers].sort()).toEqual(sequencers);
    expect(sequencers.every((s) => s.length === sequencers[0]!.length)).toBe(true);
  });

  it('drops ObjectRemoved records, and gives nothing when none is left', () => {
    expect(notify(record('ObjectRemoved:Delete', 'gone.txt'))).toBeUndefined();
    const mixed = notify(
      record('ObjectRemoved:Delete', 'gone.txt'),
      record('ObjectCreated:Post', 'kept.txt', { size: 1 }),
    )!;
    expect(mixed.Records.map((r) => [r.eventName, r.s3.object.key])).toEqual([
      ['ObjectCreated:Post', 'kept.txt'],
    ]);
  });

  it('gives nothing for an empty event', () => {
    expect(toS3Notification({ Records: [] }, options)).toBeUndefined();
  });
});

describe('s3TestEvent', () => {
  it('is the one-off s3:TestEvent S3 sends when notifications are configured', () => {
    const before = Date.now();
    const event = JSON.parse(s3TestEvent('uploads')) as Record<string, unknown>;
    expect(event).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: expect.any(String),
      Bucket: 'uploads',
      RequestId: expect.stringMatching(/^[0-9A-F]+$/),
      HostId: expect.any(String),
    });
    expect(event).not.toHaveProperty('Records');
    const time = Date.parse(event.Time as string);
    expect(new Date(time).toISOString()).toBe(event.Time);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });
});
