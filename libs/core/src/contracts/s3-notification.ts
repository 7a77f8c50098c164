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

const envelope = z.union([
  z.object({ Records: z.array(record).min(1) }),
  z.object({ Event: z.literal('s3:TestEvent'), Bucket: z.string() }),
]);

/** Keys in S3 notifications are form-encoded: `+` is a space, the rest %XX. */
export function decodeNotificationKey(key: string): string {
  return decodeURIComponent(key.replaceAll('+', ' '));
}

/**
 * An S3 event notification as SQS delivers it (the upload-events queue's
 * message schema): the test event, or the ObjectCreated records with their
 * keys decoded.
 */
export const s3NotificationSchema = envelope.transform((data, ctx): S3Notification => {
  if ('Event' in data) return { kind: 'test', bucket: data.Bucket };
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
 * Parses an S3 event notification. Returns `undefined` for anything that is
 * not one (not JSON, another shape, a malformed key encoding).
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
