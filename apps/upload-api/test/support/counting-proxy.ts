import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP reverse proxy in front of the S3 emulator that records every
 * request it forwards. An API whose S3_ENDPOINT is this proxy signs URLs
 * for the proxy's host, and the proxy passes requests on byte for byte
 * (Host included), so SigV4 still checks out at the emulator: what a client
 * really sent over the wire, counted independently of the client.
 */
export class CountingProxy {
  readonly #target: URL;
  #server: Server | undefined;
  readonly requests: Array<{ method: string; path: string; partNumber: number | undefined }> = [];
  url = '';
  /** Faults to inject, by part number, each consumed by the next PUT of that part. */
  readonly #faults = new Map<number, Array<'503' | 'drop'>>();

  constructor(target: string) {
    this.#target = new URL(target);
  }

  /**
   * The next PUTs of this part fail, one fault each: `503` answers SlowDown
   * without forwarding; `drop` cuts the connection mid-request.
   */
  failPart(partNumber: number, ...faults: Array<'503' | 'drop'>): void {
    this.#faults.set(partNumber, [...(this.#faults.get(partNumber) ?? []), ...faults]);
  }

  /** Part uploads (PUT …?partNumber=n&uploadId=…) seen so far, in order. */
  partPuts(): number[] {
    return this.requests
      .filter((r) => r.method === 'PUT' && r.partNumber !== undefined)
      .map((r) => r.partNumber!);
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://proxy').searchParams;
      const partNumber = query.get('partNumber');
      this.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        partNumber: partNumber === null ? undefined : Number(partNumber),
      });
      const fault =
        req.method === 'PUT' && partNumber !== null
          ? this.#faults.get(Number(partNumber))?.shift()
          : undefined;
      if (fault === '503') {
        req.resume();
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
        return;
      }
      if (fault === 'drop') {
        req.socket.destroy();
        return;
      }
      const upstream = request(
        {
          host: this.#target.hostname,
          port: this.#target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.on('error', () => upstream.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }
}
