import { z } from 'zod';

/** One object as S3 event notifications describe it, the key already decoded. */
export type S3ObjectEvent = {
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eTag: string | undefined;
  readonly versionId: string | undefined;
  readonly sequencer: string;
};

export type S3Notification =
  | { readonly kind: 'test'; readonly bucket: string }
  | { readonly kind: 'objects'; readonly objects: readonly S3ObjectEvent[] };

const record = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().default(''),
    }),
  }),
});

const testEvent = z
  .object({ Event: z.literal('s3:TestEvent'), Bucket: z.string() })
  .transform((data): S3Notification => ({ kind: 'test', bucket: data.Bucket }));

/** Keys in S3 notifications are form-encoded: `+` is a space, the rest %XX. */
export function decodeNotificationKey(key: string): string {
  return decodeURIComponent(key.replaceAll('+', ' '));
}

/** The ObjectCreated records of an S3 event notification, keys decoded. */
const records = z
  .object({ Records: z.array(record).min(1) })
  .transform((data, ctx): S3Notification => {
    try {
      return {
        kind: 'objects',
        objects: data.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => ({
          eventName: r.eventName,
          bucket: r.s3.bucket.name,
          key: decodeNotificationKey(r.s3.object.key),
          size: r.s3.object.size ?? 0,
          eTag: r.s3.object.eTag,
          versionId: r.s3.object.versionId,
          sequencer: r.s3.object.sequencer,
        })),
      };
    } catch {
      // decodeURIComponent throws on a malformed %XX sequence.
      ctx.addIssue({ code: 'custom', message: 'an object key is not valid form encoding' });
      return z.NEVER;
    }
  });

/**
 * An S3 notification published to SNS, as an SQS subscription without raw
 * message delivery receives it: the notification is the JSON string `Message`.
 */
const snsEnvelope = z
  .object({ Type: z.string(), TopicArn: z.string(), Message: z.string().optional() })
  .transform((sns, ctx): S3Notification => {
    if (sns.Type !== 'Notification') {
      // SNS confirms an SQS subscription itself: a confirmation here is not ours.
      ctx.addIssue({
        code: 'custom',
        message: `SNS ${sns.Type} from ${sns.TopicArn} is not an S3 event (SQS subscriptions are confirmed by SNS)`,
      });
      return z.NEVER;
    }
    let inner: unknown;
    try {
      inner = JSON.parse(sns.Message ?? '');
    } catch {
      inner = undefined;
    }
    const parsed = schemaOf(inner).safeParse(inner);
    if (parsed.success) return parsed.data;
    ctx.addIssue({
      code: 'custom',
      message: `the SNS Notification from ${sns.TopicArn} does not carry an S3 event notification`,
    });
    return z.NEVER;
  });

/** EventBridge's `reason` of an Object Created event, as the notification's `eventName`. */
const createdEventNames: Record<string, string> = {
  PutObject: 'ObjectCreated:Put',
  PostObject: 'ObjectCreated:Post',
  CopyObject: 'ObjectCreated:Copy',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
};

/**
 * An S3 event as EventBridge delivers it to an SQS target. Only Object
 * Created is ours. Its key is the key itself, not form-encoded.
 */
const eventBridgeEvent = z
  .object({
    source: z.literal('aws.s3'),
    'detail-type': z.string(),
    detail: z.object({
      bucket: z.object({ name: z.string().min(1) }),
      object: z.object({
        key: z.string().min(1),
        size: z.number().int().nonnegative().optional(),
        etag: z.string().optional(),
        'version-id': z.string().optional(),
        sequencer: z.string().default(''),
      }),
      reason: z.string().optional(),
    }),
  })
  .transform((event, ctx): S3Notification => {
    if (event['detail-type'] !== 'Object Created') {
      ctx.addIssue({
        code: 'custom',
        message: `EventBridge detail-type ${event['detail-type']} is not handled, only Object Created`,
      });
      return z.NEVER;
    }
    const { bucket, object, reason = '' } = event.detail;
    return {
      kind: 'objects',
      objects: [
        {
          eventName: createdEventNames[reason] ?? `ObjectCreated:${reason}`,
          bucket: bucket.name,
          key: object.key,
          size: object.size ?? 0,
          eTag: object.etag,
          versionId: object['version-id'],
          sequencer: object.sequencer,
        },
      ],
    };
  });

const unknownShape = z.unknown().transform((_json, ctx): S3Notification => {
  ctx.addIssue({
    code: 'custom',
    message: 'not an S3 event notification (direct, through SNS, or from EventBridge)',
  });
  return z.NEVER;
});

/**
 * The schema of the form `json` has: an S3 notification (direct S3 → SQS, or
 * SNS with raw message delivery), an SNS envelope, or an EventBridge event.
 */
function schemaOf(json: unknown): z.ZodType<S3Notification> {
  if (json === null || typeof json !== 'object') return unknownShape;
  if ('Records' in json) return records;
  if ('Event' in json) return testEvent;
  if ('Type' in json && 'TopicArn' in json) return snsEnvelope;
  if ('detail-type' in json) return eventBridgeEvent;
  return unknownShape;
}

/**
 * The upload-events queue's message schema: an S3 event notification as SQS
 * delivers it directly, through SNS (raw or enveloped) or from EventBridge,
 * normalised to the test event or the ObjectCreated records, keys decoded.
 * Anything else fails with an issue that names what it was.
 */
export const s3NotificationSchema = z.unknown().transform((json, ctx): S3Notification => {
  const parsed = schemaOf(json).safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  }
  return z.NEVER;
});

/**
 * Parses an upload-events body (an S3 event notification in any of the
 * envelopes {@link s3NotificationSchema} reads). Returns `undefined` for
 * anything that is not one (not JSON, another shape, a malformed key encoding).
 */
export function parseS3Notification(body: string): S3Notification | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = s3NotificationSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
