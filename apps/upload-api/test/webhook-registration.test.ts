import { ApiHarness, type Tenant } from './support/api-harness.ts';
import { expectMatchesOpenApi } from './support/openapi-response.ts';

const harness = new ApiHarness({ WEBHOOK_ALLOW_HTTP: 'false' });
let tenant: Tenant;

beforeAll(async () => {
  await harness.start();
  tenant = await harness.tenant();
});
afterAll(async () => {
  await harness.stop();
});

const webhook = (method: string, body?: unknown, apiKey = tenant.apiKey) =>
  harness.request(method, '/v1/webhook', { apiKey, body });

describe('/v1/webhook', () => {
  it('registers a URL, returns its secret once, keeps it (unshown) on a URL change and rotates it on request', async () => {
    expect((await webhook('GET')).body.error.code).toBe('webhook_not_found');

    const created = await webhook('PUT', { url: 'https://hooks.example.com/airlock' });
    expect(created.status).toBe(200);
    expectMatchesOpenApi('put', '/v1/webhook', 200, created.body);
    expect(created.body).toMatchObject({
      url: 'https://hooks.example.com/airlock',
      events: ['upload.ready', 'upload.rejected', 'upload.quarantined', 'upload.expired'],
    });
    expect(created.body.secret).toMatch(/^whsec_/);

    const moved = await webhook('PUT', { url: 'https://hooks.example.com/v2' });
    expect(moved.status).toBe(200);
    expectMatchesOpenApi('put', '/v1/webhook', 200, moved.body);
    expect(moved.body.url).toBe('https://hooks.example.com/v2');
    // The secret is shown when made (creation, rotation), never again.
    expect(moved.body).not.toHaveProperty('secret');
    const stored = await harness.pool.query<{ secret: string }>(
      'SELECT secret FROM webhook_endpoints WHERE customer_id = $1',
      [tenant.customerId],
    );
    expect(stored.rows[0]!.secret).toBe(created.body.secret);

    const rotated = await webhook('PUT', {
      url: 'https://hooks.example.com/v2',
      rotateSecret: true,
    });
    expectMatchesOpenApi('put', '/v1/webhook', 200, rotated.body);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);

    const shown = await webhook('GET');
    expect(shown.status).toBe(200);
    expectMatchesOpenApi('get', '/v1/webhook', 200, shown.body);
    expect(shown.body).not.toHaveProperty('secret');
    expect(shown.body.url).toBe('https://hooks.example.com/v2');
  });

  it('is per customer: another key neither sees nor removes it', async () => {
    const other = await harness.tenant();
    await webhook('PUT', { url: 'https://hooks.example.com/mine' });
    expect((await webhook('GET', undefined, other.apiKey)).status).toBe(404);
    const refused = await webhook('DELETE', undefined, other.apiKey);
    expect(refused.status).toBe(404);
    expectMatchesOpenApi('delete', '/v1/webhook', 404, refused.body);
    expect((await webhook('GET')).body.url).toBe('https://hooks.example.com/mine');
  });

  it('removes it with DELETE; a second DELETE is 404', async () => {
    const own = await harness.tenant();
    await webhook('PUT', { url: 'https://hooks.example.com/gone' }, own.apiKey);
    expect((await webhook('DELETE', undefined, own.apiKey)).status).toBe(204);
    expect((await webhook('DELETE', undefined, own.apiKey)).body.error.code).toBe(
      'webhook_not_found',
    );
  });

  it.each([
    [{ url: 'http://hooks.example.com/' }, 'Webhook URL must use https'],
    [{ url: 'https://user:pw@hooks.example.com/' }, 'Webhook URL must not carry credentials'],
    [{ url: 'hooks.example.com' }, 'Webhook URL is not an absolute URL'],
    [{ url: 'https://hooks.example.com/', events: ['x'] }, 'not a valid webhook registration'],
    [{}, 'not a valid webhook registration'],
  ])('refuses %j with 400 invalid_request', async (body, message) => {
    const response = await webhook('PUT', body);
    expect(response.status).toBe(400);
    expectMatchesOpenApi('put', '/v1/webhook', 400, response.body);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.message).toContain(message);
  });

  it('needs an API key', async () => {
    const response = await harness.request('PUT', '/v1/webhook', {
      body: { url: 'https://hooks.example.com/' },
    });
    expect(response.status).toBe(401);
    expectMatchesOpenApi('put', '/v1/webhook', 401, response.body);
  });
});
