import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy a test can cut: while paused every connection is
 * dropped and new ones are refused, as if the server behind it were down.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #paused = false;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<this> {
    // Half-open like a real connection: a client may send FIN and still read
    // the reply (clamd's z-commands work that way).
    this.#server = createServer({ allowHalfOpen: true }, (client) => {
      if (this.#paused) return client.destroy();
      const upstream = connect({ ...this.#target, allowHalfOpen: true });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  pause(): void {
    this.#paused = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  resume(): void {
    this.#paused = false;
  }

  async stop(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}
