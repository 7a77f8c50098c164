import { putWebhookResponseSchema, webhookSchema } from '../http/webhook.responses.ts';
import { putWebhookBody } from '../http/webhook.schemas.ts';
import type { OpenApiPaths } from './openapi.types.ts';
import { operation } from './operation.ts';

/** The customer's one completion webhook. */
export const webhookPaths: OpenApiPaths = {
  '/v1/webhook': {
    put: operation({
      auth: 'key',
      operationId: 'putWebhook',
      tag: 'webhooks',
      summary: 'Register (or change) the completion webhook and get its signing secret',
      description:
        'One webhook per customer. Each upload that reaches `ready`, `rejected`, `quarantined` ' +
        'or `expired` is POSTed as JSON `{ type: "upload.<state>", timestamp, data }`, signed ' +
        'per Standard Webhooks: `webhook-id` (stable across retries: use it to dedupe), ' +
        '`webhook-timestamp` (refuse old ones) and `webhook-signature` (`v1,` + base64 ' +
        'HMAC-SHA256 of `id.timestamp.body` under the secret). Any 2xx is a delivery; ' +
        'anything else is retried with backoff. Only 307/308 redirects are followed.',
      requestBody: putWebhookBody,
      answers: {
        200: {
          description:
            'The webhook as registered. `secret` is returned only when it was made: when the ' +
            'webhook is created and when `rotateSecret` is true; a PUT that only changes the ' +
            'URL keeps the secret and does not return it.',
          body: putWebhookResponseSchema,
        },
      },
      errors: ['invalid_request'],
    }),
    get: operation({
      auth: 'key',
      operationId: 'getWebhook',
      tag: 'webhooks',
      summary: 'The registered completion webhook (without its secret)',
      answers: { 200: { description: 'The webhook.', body: webhookSchema } },
      errors: ['webhook_not_found'],
    }),
    delete: operation({
      auth: 'key',
      operationId: 'deleteWebhook',
      tag: 'webhooks',
      summary: 'Stop completion webhooks; deliveries not yet made are abandoned',
      answers: { 204: { description: 'Removed.' } },
      errors: ['webhook_not_found'],
    }),
  },
};
