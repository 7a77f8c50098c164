import { ConfigError } from './parse-env.ts';
import { loadNotifierConfig } from './notifier.config.ts';

const base = {
  DATABASE_URL: 'postgres://localhost/airlock',
  WEBHOOK_JOBS_QUEUE_URL: 'http://127.0.0.1:4576/000000000000/webhook-jobs',
  WEBHOOK_JOBS_DLQ_URL: 'http://127.0.0.1:4576/000000000000/webhook-jobs-dlq',
};

describe('loadNotifierConfig', () => {
  it('defaults to https only, no allow-list and retries spread over about 40 minutes', () => {
    const config = loadNotifierConfig(base);
    expect(config.delivery).toEqual({
      allowedCidrs: [],
      allowHttp: false,
      timeoutMs: 10_000,
      maxRedirects: 3,
      maxInFlightPerEndpoint: 4,
      retryDelaysSeconds: [30, 120, 600, 1800, 3600],
    });
    expect(config.consumer.concurrency).toBe(16);
  });

  it('reads an allow-list of addresses and CIDRs, IPv4 and IPv6', () => {
    const config = loadNotifierConfig({
      ...base,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32, ::1, 10.1.0.0/16',
      WEBHOOK_RETRY_DELAYS_SECONDS: '1,2',
    });
    expect(config.delivery.allowedCidrs).toEqual(['127.0.0.1/32', '::1', '10.1.0.0/16']);
    expect(config.delivery.retryDelaysSeconds).toEqual([1, 2]);
  });

  it.each([
    ['WEBHOOK_ALLOWED_CIDRS', '10.0.0.0/33', '"10.0.0.0/33" is not an IP address or CIDR'],
    ['WEBHOOK_ALLOWED_CIDRS', 'localhost', '"localhost" is not an IP address or CIDR'],
    ['WEBHOOK_RETRY_DELAYS_SECONDS', '10,soon', 'expected comma-separated whole seconds'],
    ['WEBHOOK_RETRY_DELAYS_SECONDS', '50000', 'expected comma-separated whole seconds'],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => loadNotifierConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadNotifierConfig({ ...base, [name]: value })).toThrow(message);
  });
});
