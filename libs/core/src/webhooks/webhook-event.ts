import type { UploadState } from '../upload-state.ts';

/** The states a customer is told about: the upload will not move again on its own. */
export const WEBHOOK_STATES = ['ready', 'rejected', 'quarantined', 'expired'] as const;

export type WebhookState = (typeof WEBHOOK_STATES)[number];
export type WebhookEventType = `upload.${WebhookState}`;

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = WEBHOOK_STATES.map(
  (state) => `upload.${state}` as const,
);

export const isWebhookState = (state: UploadState): state is WebhookState =>
  (WEBHOOK_STATES as readonly string[]).includes(state);

/** What the outbox row and its upload say about one terminal transition. */
export type WebhookEventSource = {
  readonly deliveryId: string;
  readonly uploadId: string;
  readonly siteId: string;
  readonly state: WebhookState;
  readonly reason: string | undefined;
  readonly occurredAt: Date;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
};

export type WebhookPayload = {
  readonly type: WebhookEventType;
  readonly timestamp: string;
  readonly data: {
    readonly uploadId: string;
    readonly siteId: string;
    readonly state: WebhookState;
    readonly reason: string | null;
    readonly fileName: string;
    readonly contentType: string;
    readonly size: number;
    readonly sha256: string;
  };
};

/**
 * The body POSTed to the customer. Built only from the transition's audit row
 * and fields that never change after the upload request, so every retry sends
 * the same bytes.
 */
export function webhookPayload(event: WebhookEventSource): WebhookPayload {
  return {
    type: `upload.${event.state}`,
    timestamp: event.occurredAt.toISOString(),
    data: {
      uploadId: event.uploadId,
      siteId: event.siteId,
      state: event.state,
      reason: event.reason ?? null,
      fileName: event.fileName,
      contentType: event.contentType,
      size: event.size,
      sha256: event.sha256,
    },
  };
}
