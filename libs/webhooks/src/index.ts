export {
  generateWebhookSecret,
  signWebhook,
  type WebhookSignatureHeaders,
} from './webhook-signature.ts';
export {
  ForbiddenDestination,
  WebhookPoster,
  type WebhookPosterOptions,
  type WebhookResponse,
} from './webhook-poster.ts';
