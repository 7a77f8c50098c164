import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { literalAddressOf, webhookAddressRefusal } from '@airlock/core';

export type WebhookPosterOptions = {
  /**
   * CIDRs (or single addresses) delivered to even though they are private,
   * loopback or link-local. Empty in production; tests allow 127.0.0.1.
   */
  readonly allowedCidrs: readonly string[];
  /** Follow (and deliver over) plain http; production endpoints use https. */
  readonly allowHttp: boolean;
  /** For the whole exchange, each hop included. */
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
};

export type WebhookResponse = {
  readonly status: number;
  /** Where the final answer came from, after redirects. */
  readonly url: string;
  readonly redirects: number;
};

/** Retrying cannot help: the destination is one we never connect to. */
export class ForbiddenDestination extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenDestination';
  }
}

// 307 and 308 are the redirects that keep the method and the body; a 301, 302
// or 303 would turn the POST into a GET, so it counts as a failed delivery.
const BODY_KEEPING_REDIRECTS = new Set([307, 308]);
// request-filtering-agent's refusal is a plain Error; this is its wording.
const REFUSED_BY_FILTER = /is not allowed\. Because/;

/**
 * POSTs a webhook without letting a customer's URL reach inside our network.
 * request-filtering-agent checks the address each connection actually uses,
 * after DNS resolution (so a name that resolves to 10.0.0.1 or
 * 169.254.169.254, or rebinds to it, is refused), and every redirect hop is a
 * new request through the same agents. On top of it, every IP literal and
 * every resolved address passes `webhookAddressRefusal` from `@airlock/core`,
 * the policy the API applies at registration, which also denies `::/96`
 * (IPv4-compatible IPv6, which ipaddr.js and so the agent call unicast).
 */
export class WebhookPoster {
  readonly #options: WebhookPosterOptions;
  readonly #httpAgent: Agent;
  readonly #httpsAgent: Agent;
  readonly #lookup: LookupFunction;

  constructor(options: WebhookPosterOptions) {
    this.#options = options;
    const filter = { allowIPAddressList: [...options.allowedCidrs], keepAlive: false };
    this.#httpAgent = new RequestFilteringHttpAgent(filter);
    this.#httpsAgent = new RequestFilteringHttpsAgent(filter);
    this.#lookup = refusingLookup(options.allowedCidrs);
  }

  async post(
    target: string,
    body: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<WebhookResponse> {
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    let url = new URL(target);
    for (let redirects = 0; ; redirects++) {
      this.#assertScheme(url);
      const response = await this.#send(url, body, headers, signal);
      const location = response.headers.location;
      if (!BODY_KEEPING_REDIRECTS.has(response.statusCode ?? 0) || !location) {
        return { status: response.statusCode ?? 0, url: url.href, redirects };
      }
      if (redirects >= this.#options.maxRedirects) {
        throw new Error(`more than ${this.#options.maxRedirects} redirects`);
      }
      url = new URL(location, url);
    }
  }

  #assertScheme(url: URL): void {
    const allowed =
      url.protocol === 'https:' || (this.#options.allowHttp && url.protocol === 'http:');
    if (!allowed) throw new ForbiddenDestination(`${url.protocol} URLs are not delivered to`);
    if (url.username || url.password) {
      throw new ForbiddenDestination('URLs with credentials are not delivered to');
    }
    const address = literalAddressOf(url);
    const refusal = address && webhookAddressRefusal(address, this.#options.allowedCidrs);
    if (refusal) throw new ForbiddenDestination(`${refusal}: not delivered to`);
  }

  /** Resolves once the response is fully read (and discarded): nothing of it is kept. */
  #send(
    url: URL,
    body: string,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (https ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: https ? this.#httpsAgent : this.#httpAgent,
        lookup: this.#lookup,
        signal,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': this.#options.userAgent,
        },
      });
      request.on('error', (error) =>
        reject(
          error instanceof ForbiddenDestination || !REFUSED_BY_FILTER.test(error.message)
            ? error
            : new ForbiddenDestination(error.message),
        ),
      );
      request.on('response', (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response));
        response.resume();
      });
      request.end(body);
    });
  }
}

/** dns.lookup, refusing a name when any address it resolves to is one we never deliver to. */
function refusingLookup(allowedCidrs: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      for (const { address } of addresses) {
        const refusal = webhookAddressRefusal(address, allowedCidrs);
        if (refusal) {
          callback(new ForbiddenDestination(`${hostname}: ${refusal}`), '', 0);
          return;
        }
      }
      if (options.all) {
        (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
        return;
      }
      const [first] = addresses;
      if (!first) {
        callback(
          Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }),
          '',
          0,
        );
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}
