/**
 * The HTTP load generator: autocannon in a process of its own, so the client's
 * CPU is never the server's. Every request asks for new content (a random
 * SHA-256), so each one runs the full insert path, never a dedup hit.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { answerParent } from '../child.ts';

export type HttpLoadInput = {
  readonly url: string;
  /** `airlock`: our API's body and Bearer keys; `seed`: the seed's body, no auth. */
  readonly flavour: 'airlock' | 'seed';
  readonly apiKeys: readonly string[];
  readonly customerId: string;
  readonly siteId: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly maxRequests: number;
};

export type HttpLoadResult = {
  readonly warmupRequests: number;
  readonly seconds: number;
  readonly requests: number;
  /** 2xx responses per second. */
  readonly requestsPerSecond: number;
  readonly latencyMs: { p50: number; p99: number; mean: number; max: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
};

const SIZE = 4096;

function requestFactory(input: HttpLoadInput) {
  let next = 0;
  return (request: autocannon.Request): autocannon.Request => {
    const sha256 = randomBytes(32).toString('hex');
    const key = input.apiKeys[next++ % Math.max(1, input.apiKeys.length)];
    const body =
      input.flavour === 'airlock'
        ? {
            siteId: input.siteId,
            fileName: 'bench.txt',
            contentType: 'text/plain',
            size: SIZE,
            sha256,
          }
        : {
            customerId: input.customerId,
            siteId: input.siteId,
            fileName: 'bench.txt',
            contentType: 'text/plain',
            size: SIZE,
            sha256,
          };
    return {
      ...request,
      headers: {
        ...request.headers,
        'content-type': 'application/json',
        ...(input.flavour === 'airlock' ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify(body),
    };
  };
}

function run(input: HttpLoadInput, seconds: number, maxRequests: number) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: `${input.url}/v1/uploads`,
        connections: input.connections,
        pipelining: 1,
        // Time bound; maxOverallRequests is the count bound (`amount` would override the time).
        duration: seconds,
        maxOverallRequests: maxRequests,
        timeout: 10,
        sampleInt: 250,
        requests: [{ method: 'POST', setupRequest: requestFactory(input) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

answerParent(async (input: HttpLoadInput): Promise<HttpLoadResult> => {
  const warmup =
    input.warmupSeconds > 0
      ? await run(input, input.warmupSeconds, Math.ceil(input.maxRequests / 4))
      : undefined;
  const result = await run(input, input.seconds, input.maxRequests);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
  );
  return {
    warmupRequests: warmup?.requests.total ?? 0,
    seconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result['2xx'] / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.mean,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
});
