import { Router } from 'express';
import { Errors, parseWebhookUrl, type WebhookUrlPolicy } from '@airlock/core';
import { callerOf } from '../http/authenticate.middleware.ts';
import { parseBody } from '../http/parse-body.ts';
import { presentWebhook, type WebhookRegistration } from '../http/webhook.responses.ts';
import { putWebhookBody } from '../http/webhook.schemas.ts';

export type WebhookRegistry = {
  put(
    customerId: string,
    url: string,
    newSecret: string,
    rotate: boolean,
  ): Promise<WebhookRegistration>;
  find(customerId: string): Promise<WebhookRegistration | undefined>;
  remove(customerId: string): Promise<boolean>;
};

/** The caller's one completion webhook: set (the secret shown once), look up, remove. */
export function webhookRoutes(
  registry: WebhookRegistry,
  newSecret: () => string,
  policy: WebhookUrlPolicy,
): Router {
  return Router()
    .put('/v1/webhook', async (req, res) => {
      const body = parseBody(putWebhookBody, req.body, 'webhook registration');
      const url = parseWebhookUrl(body.url, policy);
      const secret = newSecret();
      const endpoint = await registry.put(
        callerOf(res).customerId,
        url.href,
        secret,
        body.rotateSecret ?? false,
      );
      // The secret leaves the API once: when it was made, on creation or rotation.
      // A PUT that only moves the URL keeps (and does not repeat) the secret.
      res.json(presentWebhook(endpoint, endpoint.secret === secret));
    })
    .get('/v1/webhook', async (_req, res) => {
      const endpoint = await registry.find(callerOf(res).customerId);
      if (!endpoint) throw Errors.webhookNotFound();
      res.json(presentWebhook(endpoint, false));
    })
    .delete('/v1/webhook', async (_req, res) => {
      if (!(await registry.remove(callerOf(res).customerId))) throw Errors.webhookNotFound();
      res.status(204).end();
    });
}
