import { anUpload } from '../testing.ts';
import { parseMessage } from '../messaging/parse-message.ts';
import { mediaRequested, mediaRequestedSchema } from './media-job.ts';
import { scanRequested, scanRequestedSchema } from './scan-job.ts';
import { webhookDelivery, webhookDeliverySchema } from './webhook-job.ts';

const upload = anUpload({
  declaredContentType: 'image/png',
  detectedContentType: 'image/webp',
  declaredSize: 42,
});
/** A job as the consumer gets it: sent as JSON, parsed against its schema. */
const received = <T>(schema: Parameters<typeof parseMessage>[0], job: T) =>
  parseMessage(schema, JSON.stringify(job));

describe('job builders', () => {
  it("scanRequested: the upload's object, declared hash and size, the judged type", () => {
    const job = received(scanRequestedSchema, scanRequested(upload, { producedBy: 'verifier' }));
    expect(job).toEqual({
      type: 'scan.requested',
      version: 1,
      producedBy: 'verifier',
      uploadId: upload.id,
      bucket: upload.bucket,
      key: upload.key,
      sha256: upload.declaredSha256,
      contentType: 'image/webp',
      size: 42,
      requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      trigger: 'upload',
    });
  });

  it('scanRequested: a rescan, and the type the verifier just detected', () => {
    const job = scanRequested(anUpload({ detectedContentType: null }), {
      producedBy: 'ops',
      trigger: 'rescan',
      contentType: 'application/pdf',
    });
    expect(job).toMatchObject({
      producedBy: 'ops',
      trigger: 'rescan',
      contentType: 'application/pdf',
    });
  });

  it('mediaRequested: the judged type, else the declared one', () => {
    expect(
      received(mediaRequestedSchema, mediaRequested(upload, { producedBy: 'scanner' })),
    ).toMatchObject({ type: 'media.requested', uploadId: upload.id, contentType: 'image/webp' });
    const undetected = anUpload({ detectedContentType: null, declaredContentType: 'image/png' });
    expect(mediaRequested(undetected, { producedBy: 'scanner' }).contentType).toBe('image/png');
  });

  it('webhookDelivery: names only the outbox row', () => {
    const deliveryId = upload.id;
    expect(received(webhookDeliverySchema, webhookDelivery(deliveryId))).toEqual({
      type: 'webhook.delivery',
      version: 1,
      deliveryId,
    });
  });
});
