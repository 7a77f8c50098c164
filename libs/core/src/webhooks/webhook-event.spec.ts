import { isWebhookState, WEBHOOK_EVENT_TYPES, webhookPayload } from './webhook-event.ts';

describe('webhook events', () => {
  it('exist for exactly the four states that end an upload', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      'upload.ready',
      'upload.rejected',
      'upload.quarantined',
      'upload.expired',
    ]);
    expect(isWebhookState('clean')).toBe(false);
    expect(isWebhookState('quarantined')).toBe(true);
  });

  it('carry the transition and the upload’s declared facts, with a null reason when none', () => {
    const payload = webhookPayload({
      deliveryId: '7d3f4c52-3a37-4bb8-9a0e-0f2a6a1c2b11',
      uploadId: 'f0c1d2e3-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
      siteId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      state: 'ready',
      reason: undefined,
      occurredAt: new Date('2026-11-23T10:00:00.000Z'),
      fileName: 'photo.jpg',
      contentType: 'image/jpeg',
      size: 1234,
      sha256: 'a'.repeat(64),
    });
    expect(payload).toEqual({
      type: 'upload.ready',
      timestamp: '2026-11-23T10:00:00.000Z',
      data: {
        uploadId: 'f0c1d2e3-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
        siteId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
        state: 'ready',
        reason: null,
        fileName: 'photo.jpg',
        contentType: 'image/jpeg',
        size: 1234,
        sha256: 'a'.repeat(64),
      },
    });
  });
});
