import { decodeNotificationKey, parseS3Notification } from './s3-notification.ts';

const record = (key: string, eventName = 'ObjectCreated:Put') => ({
  eventSource: 'aws:s3',
  eventName,
  s3: { bucket: { name: 'uploads' }, object: { key, size: 5, eTag: 'abc', sequencer: '01' } },
});

describe('parseS3Notification', () => {
  it('reads ObjectCreated records with their keys decoded', () => {
    const body = JSON.stringify({ Records: [record('dir/my+file+%281%29.txt')] });
    expect(parseS3Notification(body)).toEqual({
      kind: 'objects',
      objects: [
        {
          eventName: 'ObjectCreated:Put',
          bucket: 'uploads',
          key: 'dir/my file (1).txt',
          size: 5,
          eTag: 'abc',
          versionId: undefined,
          sequencer: '01',
        },
      ],
    });
  });

  it('keeps only ObjectCreated records', () => {
    const body = JSON.stringify({ Records: [record('a', 'ObjectRemoved:Delete'), record('b')] });
    const parsed = parseS3Notification(body);
    expect(parsed?.kind === 'objects' && parsed.objects.map((o) => o.key)).toEqual(['b']);
  });

  it('recognises the s3:TestEvent', () => {
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'uploads' });
    expect(parseS3Notification(body)).toEqual({ kind: 'test', bucket: 'uploads' });
  });

  it.each([
    ['not JSON', '{'],
    ['another shape', JSON.stringify({ hello: 'world' })],
    ['an empty Records list', JSON.stringify({ Records: [] })],
    [
      'another event source',
      JSON.stringify({ Records: [{ ...record('a'), eventSource: 'aws:sqs' }] }),
    ],
    ['a malformed key encoding', JSON.stringify({ Records: [record('bad%E0%A4%A')] })],
  ])('returns undefined for %s', (_label, body) => {
    expect(parseS3Notification(body)).toBeUndefined();
  });
});

describe('decodeNotificationKey', () => {
  it('treats + as a space and decodes %XX', () => {
    expect(decodeNotificationKey('a+b%2Bc%2Fd')).toBe('a b+c/d');
  });
});
