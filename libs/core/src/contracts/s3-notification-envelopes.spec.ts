import { readFileSync } from 'node:fs';
import { parseMessage } from '../messaging/parse-message.ts';
import { parseS3Notification, s3NotificationSchema } from './s3-notification.ts';

// AWS's published sample events, verbatim (libs/testing/fixtures/aws-events/README.md).
function sample(name: string): Record<string, unknown> {
  const url = new URL(`../../../testing/fixtures/aws-events/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}
/** The SQS message body inside a sample Lambda SQS event. */
function sqsBody(name: string): string {
  return (sample(name) as { Records: [{ body: string }] }).Records[0].body;
}
/** The sample SNS envelope (as an SQS subscription receives it) carrying `message`. */
function snsEnveloped(message: string): string {
  return JSON.stringify({ ...JSON.parse(sqsBody('snsSqsEvent')), Message: message });
}
function reasonOf(body: string): string {
  try {
    parseMessage(s3NotificationSchema, body);
  } catch (error) {
    return `${(error as Error & { reason?: string }).reason}: ${(error as Error).message}`;
  }
  throw new Error('expected the message to be refused');
}

const s3Event = JSON.stringify(sample('s3Event'));
const s3EventObject = {
  eventName: 'ObjectCreated:Put',
  bucket: 'lambda-artifacts-deafc19498e3f2df',
  key: 'b21b84d653bb07b05b1e6b33684dc11b',
  size: 1305107,
  eTag: 'b21b84d653bb07b05b1e6b33684dc11b',
  versionId: undefined,
  sequencer: '0C0F6F405D6ED209E1',
};

describe('s3NotificationSchema: the envelopes S3 events arrive in', () => {
  it('reads a direct S3 → SQS notification', () => {
    expect(parseS3Notification(s3Event)).toEqual({ kind: 'objects', objects: [s3EventObject] });
  });

  it('reads an SQS body that is the S3 notification itself (SNS raw message delivery)', () => {
    expect(parseS3Notification(sqsBody('s3SqsEvent'))).toEqual({
      kind: 'objects',
      objects: [
        {
          eventName: 'ObjectCreated:Put',
          bucket: 'xxx',
          key: 'test.pdf',
          size: 104681,
          eTag: '2e3ad1e983318bbd8e73b080e2997980',
          versionId: 'yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV',
          sequencer: '00643717F9F8B85354',
        },
      ],
    });
  });

  it('unwraps an S3 notification enveloped by SNS, its key still form-decoded', () => {
    expect(parseS3Notification(snsEnveloped(s3Event))).toEqual({
      kind: 'objects',
      objects: [s3EventObject],
    });
    const encoded = JSON.parse(s3Event) as { Records: [{ s3: { object: { key: string } } }] };
    encoded.Records[0].s3.object.key = 'dir/my+file+%281%29.txt';
    const parsed = parseS3Notification(snsEnveloped(JSON.stringify(encoded)));
    expect(parsed?.kind === 'objects' && parsed.objects[0]!.key).toBe('dir/my file (1).txt');
  });

  it('recognises the S3 test event inside SNS', () => {
    const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'up' });
    expect(parseS3Notification(snsEnveloped(testEvent))).toEqual({ kind: 'test', bucket: 'up' });
  });

  it('reads an EventBridge Object Created event, its key taken as it is', () => {
    const event = sample('s3EventBridgeNotificationObjectCreatedEvent');
    expect(parseS3Notification(JSON.stringify(event))).toEqual({
      kind: 'objects',
      objects: [
        {
          eventName: 'ObjectCreated:Put',
          bucket: 'example-bucket',
          key: 'IMG_m7fzo3.jpg',
          size: 184662,
          eTag: '4e68adba0abe2dc8653dc3354e14c01d',
          versionId: undefined,
          sequencer: '006408CAD69598B05E',
        },
      ],
    });
    const detail = event.detail as { object: Record<string, unknown>; reason: string };
    detail.object.key = 'dir/my+file %281%29.txt';
    detail.object['version-id'] = 'v1';
    detail.reason = 'CompleteMultipartUpload';
    const parsed = parseS3Notification(JSON.stringify(event));
    expect(parsed?.kind === 'objects' && parsed.objects[0]).toMatchObject({
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      key: 'dir/my+file %281%29.txt',
      versionId: 'v1',
    });
  });
});

describe('s3NotificationSchema: what is dead-lettered, and why', () => {
  it('an EventBridge event other than Object Created, named', () => {
    const deleted = JSON.stringify(sample('s3EventBridgeNotificationObjectDeletedEvent'));
    expect(parseS3Notification(deleted)).toBeUndefined();
    expect(reasonOf(deleted)).toContain('invalid_message: ');
    expect(reasonOf(deleted)).toContain(
      'EventBridge detail-type Object Deleted is not handled, only Object Created',
    );
  });

  it('an SNS notification that does not carry an S3 event', () => {
    const body = sqsBody('snsSqsEvent');
    expect(parseS3Notification(body)).toBeUndefined();
    expect(reasonOf(body)).toContain(
      'the SNS Notification from arn:aws:sns:eu-west-1:231436140809:powertools265 does not carry an S3 event notification',
    );
    expect(reasonOf(snsEnveloped('not JSON'))).toContain('does not carry an S3 event');
  });

  it('an SNS SubscriptionConfirmation (SNS confirms SQS subscriptions itself)', () => {
    const confirmation = snsEnveloped('You have chosen to subscribe to the topic');
    const body = JSON.stringify({ ...JSON.parse(confirmation), Type: 'SubscriptionConfirmation' });
    expect(reasonOf(body)).toContain(
      'SNS SubscriptionConfirmation from arn:aws:sns:eu-west-1:231436140809:powertools265 is not an S3 event',
    );
  });

  it('a shape that is none of them, with the schema issue', () => {
    expect(reasonOf(JSON.stringify({ hello: 'world' }))).toContain('invalid_message: ');
  });
});
