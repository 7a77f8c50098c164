/**
 * The emulator's ObjectCreated events, reshaped into exactly what S3 sends to
 * SQS: the `Records` envelope with a URL-encoded key (space as `+`), the
 * bucket ARN, size, eTag and sequencer. Dev tooling only; apps never see this.
 */
export type EmulatorEvent = {
  Records: Array<{
    eventTime: string;
    eventName: string;
    requestParameters?: { sourceIPAddress?: string };
    s3: {
      bucket: { name: string };
      object: { key: string; size?: number; eTag?: string; sequencer: string };
    };
  }>;
};

export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

let sequence = 0n;

/** S3 sequencers order events per key; a hex counter after the time keeps that. */
function nextSequencer(): string {
  sequence += 1n;
  return `${Date.now().toString(16).toUpperCase()}${sequence.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function toS3Notification(
  event: EmulatorEvent,
  options: { region: string; configurationId: string },
): string | undefined {
  const records = event.Records.filter((record) =>
    record.eventName.startsWith('ObjectCreated:'),
  ).map((record) => ({
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: options.region,
    eventTime: record.eventTime,
    eventName: record.eventName,
    userIdentity: { principalId: 'AWS:AIRLOCKDEVSTACK' },
    requestParameters: {
      sourceIPAddress: record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
    },
    responseElements: { 'x-amz-request-id': nextSequencer(), 'x-amz-id-2': 'airlock-dev-stack' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: options.configurationId,
      bucket: {
        name: record.s3.bucket.name,
        ownerIdentity: { principalId: 'AIRLOCKDEVSTACK' },
        arn: `arn:aws:s3:::${record.s3.bucket.name}`,
      },
      object: {
        key: encodeS3EventKey(record.s3.object.key),
        size: record.s3.object.size ?? 0,
        ...(record.s3.object.eTag ? { eTag: record.s3.object.eTag } : {}),
        sequencer: nextSequencer(),
      },
    },
  }));
  return records.length > 0 ? JSON.stringify({ Records: records }) : undefined;
}

/** What S3 sends once when a notification configuration is put on a bucket. */
export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: nextSequencer(),
    HostId: 'airlock-dev-stack',
  });
}
