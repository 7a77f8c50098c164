import { z } from 'zod';

// The description is the OpenAPI document's (`GET /openapi.json`).
export const putWebhookBody = z
  .strictObject({
    url: z.string().min(1).max(2048),
    rotateSecret: z.boolean().optional(),
  })
  .describe(
    'Where completion webhooks go: an https URL (http only where the operator allows it). ' +
      'A host that is an IP address must be a public unicast one (not loopback, private, ' +
      'link-local such as 169.254.169.254, IPv4-mapped or IPv4-compatible IPv6, in any ' +
      'spelling such as `2130706433`), unless the operator allows it (`WEBHOOK_ALLOWED_CIDRS`); ' +
      'otherwise 400 `invalid_request` with an issue at `url`. A name is checked where it ' +
      'resolves, at every delivery. ' +
      'Set `rotateSecret` to replace the signing secret; otherwise a new URL keeps the old one.',
  );
