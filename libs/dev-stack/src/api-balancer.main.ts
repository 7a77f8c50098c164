import { Agent, createServer, request } from 'node:http';

/**
 * The local stack's load balancer in front of several upload-api processes
 * (AIRLOCK_DEV_REPLICAS > 1), as the ALB is in production: it listens on the
 * API's public port and sends each request to the next process in turn, so a
 * client's keep-alive connection still spreads its requests over every replica.
 * AIRLOCK_DEV_BALANCER_LISTEN=host:port, AIRLOCK_DEV_BALANCER_BACKENDS=host:port,…
 */
const [host, port] = split(required('AIRLOCK_DEV_BALANCER_LISTEN'));
const backends = required('AIRLOCK_DEV_BALANCER_BACKENDS').split(',').map(split);
const agent = new Agent({ keepAlive: true });
let next = 0;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function split(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

const server = createServer((req, res) => {
  const [backendHost, backendPort] = backends[next++ % backends.length]!;
  const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
    .filter(Boolean)
    .join(', ');
  const upstream = request(
    {
      host: backendHost,
      port: backendPort,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'x-forwarded-for': forwardedFor },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (res.headersSent) res.destroy(error);
    else
      res
        .writeHead(502, { 'content-type': 'text/plain' })
        .end(`no upload-api answered: ${error.message}`);
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 5_000;
server.listen(port, host, () => {
  console.info(
    `api balancer on ${host}:${port}, round robin over ${backends.map((b) => b.join(':')).join(', ')}`,
  );
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
