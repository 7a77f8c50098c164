import { AppError } from '../errors.ts';
import { parseWebhookUrl } from './webhook-url.ts';

const strict = { allowHttp: false };

function rejection(text: string, policy = strict): AppError {
  try {
    parseWebhookUrl(text, policy);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe('parseWebhookUrl', () => {
  it('accepts an https URL with a path and query', () => {
    expect(parseWebhookUrl('https://hooks.example.com/airlock?x=1', strict).href).toBe(
      'https://hooks.example.com/airlock?x=1',
    );
  });

  it('refuses plain http unless the policy allows it', () => {
    expect(rejection('http://hooks.example.com/').message).toBe('Webhook URL must use https');
    expect(parseWebhookUrl('http://127.0.0.1:8080/', { allowHttp: true }).port).toBe('8080');
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
  });
});
