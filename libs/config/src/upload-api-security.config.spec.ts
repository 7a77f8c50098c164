import { ConfigError } from './parse-env.ts';
import { loadUploadApiConfig } from './upload-api.config.ts';

const base = { DATABASE_URL: 'postgres://localhost/airlock', FOLDER_SECRET: 's'.repeat(32) };

describe('loadUploadApiConfig: webhook allow-list and failed-auth limit', () => {
  it('defaults to no allow-list and 60 failed authentications per IP per minute', () => {
    const config = loadUploadApiConfig(base);
    expect(config.webhookAllowedCidrs).toEqual([]);
    expect(config.authFailuresPerIpPerMinute).toBe(60);
  });

  it('reads WEBHOOK_ALLOWED_CIDRS like the notifier and AUTH_FAILURES_PER_IP_PER_MINUTE', () => {
    const config = loadUploadApiConfig({
      ...base,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32, ::1',
      AUTH_FAILURES_PER_IP_PER_MINUTE: '5',
    });
    expect(config.webhookAllowedCidrs).toEqual(['127.0.0.1/32', '::1']);
    expect(config.authFailuresPerIpPerMinute).toBe(5);
  });

  it.each([
    ['WEBHOOK_ALLOWED_CIDRS', 'localhost'],
    ['AUTH_FAILURES_PER_IP_PER_MINUTE', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadUploadApiConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadUploadApiConfig({ ...base, [name]: value })).toThrow(name);
  });
});
