import { AppError } from '../errors.ts';
import {
  literalAddressOf,
  parseWebhookUrl,
  webhookAddressRefusal,
  type WebhookUrlPolicy,
} from './webhook-url.ts';

const strict: WebhookUrlPolicy = { allowHttp: false, allowedCidrs: [] };
/** The local stack: plain http to receivers on 127.0.0.1 only. */
const localStack: WebhookUrlPolicy = { allowHttp: true, allowedCidrs: ['127.0.0.1/32'] };

function rejection(text: string, policy = strict): AppError {
  try {
    parseWebhookUrl(text, policy);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

/** Every IP literal the review tried, or that means "inside" in some way. */
const NON_PUBLIC_URLS = [
  ['IPv6 loopback', 'https://[::1]/'],
  ['IPv4 loopback as one decimal number', 'https://2130706433/'],
  ['IPv4 loopback in hex and short form', 'https://0x7f.1/'],
  ['IPv4 loopback in octal', 'https://0177.0.0.1/'],
  ['IPv4 loopback with a trailing dot', 'https://127.0.0.1./'],
  ['the metadata service', 'https://169.254.169.254/latest/meta-data/'],
  ['the metadata service as IPv4-mapped IPv6', 'https://[::ffff:169.254.169.254]/'],
  ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/'],
  ['IPv4-compatible IPv6 loopback (::/96)', 'https://[::127.0.0.1]/'],
  ['IPv4-compatible IPv6 of a public address (::/96)', 'https://[::8.8.8.8]/'],
  ['the unspecified IPv4 address', 'https://0.0.0.0/'],
  ['the unspecified IPv6 address', 'https://[::]/'],
  ['a private network', 'https://10.0.0.1/'],
  ['a private network', 'https://172.16.5.4/'],
  ['a private network', 'https://192.168.1.1/'],
  ['carrier-grade NAT', 'https://100.64.0.1/'],
  ['IPv4 multicast', 'https://224.0.0.1/'],
  ['IPv4 broadcast', 'https://255.255.255.255/'],
  ['IPv4 reserved', 'https://240.0.0.1/'],
  ['IPv6 link-local', 'https://[fe80::1]/'],
  ['IPv6 unique local', 'https://[fd00::1]/'],
  ['IPv6 multicast', 'https://[ff02::1]/'],
  ['NAT64 of loopback', 'https://[64:ff9b::7f00:1]/'],
  ['6to4 of loopback', 'https://[2002:7f00:1::]/'],
  ['Teredo', 'https://[2001::1]/'],
  ['IPv6 documentation', 'https://[2001:db8::1]/'],
] as const;

describe('parseWebhookUrl', () => {
  it('accepts an https URL with a path and query', () => {
    expect(parseWebhookUrl('https://hooks.example.com/airlock?x=1', strict).href).toBe(
      'https://hooks.example.com/airlock?x=1',
    );
  });

  it('refuses plain http unless the policy allows it', () => {
    expect(rejection('http://hooks.example.com/').message).toBe('Webhook URL must use https');
    expect(parseWebhookUrl('http://127.0.0.1:8080/', localStack).port).toBe('8080');
  });

  it.each([
    ['not a url', 'is not an absolute URL'],
    ['ftp://example.com/', 'must use https'],
    ['https://user:pw@example.com/', 'must not carry credentials'],
    ['https://example.com/#frag', 'must not have a fragment'],
    [`https://example.com/${'a'.repeat(2048)}`, 'is longer than 2048 characters'],
    [`https://example.com/${'é'.repeat(700)}`, 'is longer than 2048 characters once encoded'],
  ])('refuses %s with invalid_request', (text, why) => {
    const error = rejection(text);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe(`Webhook URL ${why}`);
    expect(error.details).toEqual({ field: 'url', issues: [{ path: 'url', message: why }] });
  });

  it.each(NON_PUBLIC_URLS)('refuses %s (%s) at registration', (_what, text) => {
    const error = rejection(text);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/^Webhook URL must point to a public address: /);
  });

  it.each([
    'https://8.8.8.8/hooks',
    'https://[2606:4700:4700::1111]/hooks',
    'https://[2001:4860:4860::8888]:8443/',
    // A name is checked where it resolves, at delivery.
    'https://localhost.example.com/',
  ])('accepts the public %s', (text) => {
    expect(parseWebhookUrl(text, strict).href).toBe(new URL(text).href);
  });

  it('allows exactly what the allow-list names, in its own address family', () => {
    expect(parseWebhookUrl('http://127.0.0.1:9/hooks', localStack).hostname).toBe('127.0.0.1');
    expect(parseWebhookUrl('http://2130706433:9/', localStack).hostname).toBe('127.0.0.1');
    expect(rejection('http://127.0.0.2/', localStack).message).toMatch(/loopback/);
    expect(rejection('http://[::1]/', localStack).message).toMatch(/loopback/);
    expect(rejection('http://[::ffff:127.0.0.1]/', localStack).message).toMatch(/ipv4Mapped/);
    expect(rejection('http://169.254.169.254/', localStack).message).toMatch(/linkLocal/);
  });
});

describe('webhookAddressRefusal', () => {
  it.each([
    ['127.0.0.1', [], /loopback/],
    ['::7f00:1', [], /IPv4-compatible/],
    ['::808:808', [], /IPv4-compatible/],
    ['::ffff:a9fe:a9fe', [], /ipv4Mapped/],
    ['169.254.169.254', [], /linkLocal/],
    ['0.0.0.0', [], /unspecified/],
    ['127.0.0.1', ['::1'], /loopback/],
    ['::1', ['127.0.0.1/32'], /loopback/],
    ['example.com', [], /not an IP address/],
  ] as const)('refuses %s (allow-list %j)', (address, allowed, why) => {
    expect(webhookAddressRefusal(address, allowed)).toMatch(why);
  });

  it.each([
    ['8.8.8.8', []],
    ['2606:4700::1111', []],
    ['127.0.0.1', ['127.0.0.1/32']],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.1.2.3', ['10.1.0.0/16']],
    ['::1', ['::1']],
  ] as const)('allows %s (allow-list %j)', (address, allowed) => {
    expect(webhookAddressRefusal(address, allowed)).toBeUndefined();
  });
});

describe('literalAddressOf', () => {
  it.each([
    ['https://2130706433/', '127.0.0.1'],
    ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['https://hooks.example.com/', undefined],
    ['https://1.2.3.4.example.com/', undefined],
  ])('%s → %s', (text, address) => {
    expect(literalAddressOf(new URL(text))).toBe(address);
  });
});
