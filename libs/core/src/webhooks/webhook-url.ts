import { Errors } from '../errors.ts';

export type WebhookUrlPolicy = {
  /** Plain http is for local receivers only; production endpoints use https. */
  readonly allowHttp: boolean;
};

const MAX_URL_LENGTH = 2048;

/**
 * The shape checks a registration can make. Where the URL really points is
 * only known at delivery, after DNS, so the SSRF guard lives there.
 */
export function parseWebhookUrl(text: string, policy: WebhookUrlPolicy): URL {
  const invalid = (why: string) => Errors.invalidRequest(`Webhook URL ${why}`, { field: 'url' });
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
  // What is stored and called is the normalised form, which percent-encoding can lengthen.
  if (url.href.length > MAX_URL_LENGTH) {
    throw invalid(`is longer than ${MAX_URL_LENGTH} characters once encoded`);
  }
  return url;
}
