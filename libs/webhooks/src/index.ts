export {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  type WebhookSignatureHeaders,
} from './webhook-signature.ts';
export {
  ForbiddenDestination,
  WebhookPoster,
  type WebhookPosterOptions,
  type WebhookResponse,
} from './webhook-poster.ts';
