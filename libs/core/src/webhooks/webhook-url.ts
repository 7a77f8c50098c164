import ipaddr from 'ipaddr.js';
import { Errors } from '../errors.ts';

export type WebhookUrlPolicy = {
  /** Plain http is for local receivers only; production endpoints use https. */
  readonly allowHttp: boolean;
  /**
   * Addresses or CIDRs (WEBHOOK_ALLOWED_CIDRS) allowed even though they are not
   * public unicast: empty in production; the local stack allows 127.0.0.1/32.
   */
  readonly allowedCidrs: readonly string[];
};

const MAX_URL_LENGTH = 2048;

/**
 * Denied even though ipaddr.js calls them unicast: `::/96` holds the
 * deprecated IPv4-compatible IPv6 addresses (`::127.0.0.1` is `::7f00:1`),
 * which some stacks still route to the embedded IPv4 address.
 */
export const WEBHOOK_DENIED_CIDRS: readonly string[] = ['::/96'];

/**
 * Why a webhook may not be delivered to this IP address, or undefined when it
 * may. The delivery policy, shared by registration (IP literals) and the
 * notifier (every address a name resolves to): the allow-list first, as
 * request-filtering-agent reads it (exact address, or a CIDR of the same
 * family); then only public unicast addresses, minus {@link WEBHOOK_DENIED_CIDRS}.
 */
export function webhookAddressRefusal(
  address: string,
  allowedCidrs: readonly string[],
): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (allowedCidrs.some((entry) => matches(parsed, address, entry))) return undefined;
  const range = parsed.range();
  if (range !== 'unicast') return `${address} is a ${range} address, not a public one`;
  if (WEBHOOK_DENIED_CIDRS.some((entry) => matches(parsed, address, entry))) {
    return `${address} is an IPv4-compatible IPv6 address`;
  }
  return undefined;
}

function matches(parsed: ipaddr.IPv4 | ipaddr.IPv6, raw: string, entry: string): boolean {
  if (ipaddr.isValid(entry) && !entry.includes('/')) return entry === raw;
  if (!ipaddr.isValidCIDR(entry)) return false;
  const cidr = ipaddr.parseCIDR(entry);
  return cidr[0].kind() === parsed.kind() && parsed.match(cidr);
}

/**
 * The IP address a URL's host names literally, or undefined for a DNS name.
 * The WHATWG parser already turned every IPv4 spelling (`2130706433`,
 * `0x7f.1`, `127.1`) into dotted decimal and put IPv6 in brackets.
 */
export function literalAddressOf(url: URL): string | undefined {
  const host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? host : undefined;
}

/**
 * The checks a registration can make: shape, and, for an IP literal, the same
 * address policy as delivery. Where a DNS name points is only known at
 * delivery, so the notifier checks every address it connects to as well.
 */
export function parseWebhookUrl(text: string, policy: WebhookUrlPolicy): URL {
  const invalid = (why: string) =>
    Errors.invalidRequest(`Webhook URL ${why}`, {
      field: 'url',
      issues: [{ path: 'url', message: why }],
    });
  if (text.length > MAX_URL_LENGTH) throw invalid(`is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw invalid(policy.allowHttp ? 'must use http or https' : 'must use https');
  }
  if (url.username || url.password) throw invalid('must not carry credentials');
  if (url.hash) throw invalid('must not have a fragment');
  const address = literalAddressOf(url);
  const refusal =
    address === undefined ? undefined : webhookAddressRefusal(address, policy.allowedCidrs);
  if (refusal) throw invalid(`must point to a public address: ${refusal}`);
  // What is stored and called is the normalised form, which percent-encoding can lengthen.
  if (url.href.length > MAX_URL_LENGTH) {
    throw invalid(`is longer than ${MAX_URL_LENGTH} characters once encoded`);
  }
  return url;
}
