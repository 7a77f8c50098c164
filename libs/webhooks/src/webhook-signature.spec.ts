import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook } from './webhook-signature.ts';

describe('signWebhook', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ type: 'upload.ready' });
  const now = new Date();

  it('makes headers the Standard Webhooks reference verifier accepts', () => {
    const headers = signWebhook(secret, 'd-1', now, body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual({ type: 'upload.ready' });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('is refused for another body, another secret or an old timestamp', () => {
    const headers = signWebhook(secret, 'd-1', now, body);
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow(
      'No matching signature found',
    );
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(
      'No matching signature found',
    );
    const old = signWebhook(secret, 'd-1', new Date(now.getTime() - 10 * 60_000), body);
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow('Message timestamp too old');
  });

  it('issues distinct secrets in the whsec_ format', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(a).not.toBe(generateWebhookSecret());
  });
});
