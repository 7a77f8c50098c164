import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@airlock/webhooks';

export type DemoWebhook = {
  readonly type: string;
  readonly uploadId: string;
  readonly webhookId: string;
  readonly verified: boolean;
};

/**
 * The customer's side of the demo: an endpoint on loopback that checks each
 * call's signature with the secret, as a real receiver would.
 */
export async function startDemoWebhookReceiver() {
  const received: DemoWebhook[] = [];
  let secret = '';
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let verified = true;
      try {
        verifyWebhook(secret, body, req.headers);
      } catch {
        verified = false;
      }
      const event = JSON.parse(body) as { type: string; data: { uploadId: string } };
      received.push({
        type: event.type,
        uploadId: event.data.uploadId,
        webhookId: String(req.headers['webhook-id']),
        verified,
      });
      res.writeHead(verified ? 204 : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo-webhook`,
    useSecret: (value: string) => {
      secret = value;
    },
    /** The call for this upload, once it came (up to `timeoutMs`). */
    async callFor(uploadId: string, timeoutMs = 10_000): Promise<DemoWebhook | undefined> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const call = received.find((webhook) => webhook.uploadId === uploadId);
        if (call || Date.now() > deadline) return call;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type DemoWebhookReceiver = Awaited<ReturnType<typeof startDemoWebhookReceiver>>;
