import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedCall = {
  readonly at: number;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
};

/**
 * A customer's webhook endpoint on loopback: records every POST and answers
 * 204, or the statuses queued with `failNext`.
 */
export async function startWebhookReceiver() {
  const calls: ReceivedCall[] = [];
  const failures: number[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      calls.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body });
      res.writeHead(failures.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/airlock/hooks`,
    calls,
    /** The next `count` calls get `status`. */
    failNext: (count: number, status = 503) => failures.push(...Array<number>(count).fill(status)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** An endpoint that accepts each POST and never answers; counts how many it holds at once. */
export async function startHangingReceiver() {
  const state = { open: 0, mostOpen: 0, received: 0 };
  const server = createServer((req) => {
    state.received += 1;
    state.open += 1;
    state.mostOpen = Math.max(state.mostOpen, state.open);
    req.socket.once('close', () => (state.open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hangs`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
