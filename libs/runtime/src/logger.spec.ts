import { Writable } from 'node:stream';
import { inSpan, withUpload } from '@airlock/tracing';
import { createLogger } from './logger.ts';
import { startTracing } from './tracing.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', service: 'test' }, destination);
  return { logger, text: () => lines.join('') };
}

describe('createLogger redaction', () => {
  it('never writes credentials, signed Location URLs or webhook secrets', () => {
    const { logger, text } = capture();
    const signed = 'http://s3.local/uploads/k?X-Amz-Signature=deadbeefcafe';
    logger.info(
      {
        req: {
          headers: {
            authorization: 'Bearer ak_live_secretkey',
            cookie: 'session=s3cr3t',
            'x-api-key': 'ak_other',
            'proxy-authorization': 'Basic cHJveHk=',
          },
        },
        res: { statusCode: 302, headers: { location: signed, 'set-cookie': 'a=b' } },
        endpoint: { url: 'https://hooks.example.com/', secret: 'whsec_c2VjcmV0' },
        secret: 'whsec_top',
        apiKey: 'ak_top',
      },
      'request completed',
    );
    const line = text();
    for (const leaked of [
      'ak_live_secretkey',
      's3cr3t',
      'ak_other',
      'cHJveHk=',
      'X-Amz-Signature',
      'deadbeefcafe',
      'a=b',
      'whsec_',
      'ak_top',
    ]) {
      expect(line).not.toContain(leaked);
    }
    const parsed = JSON.parse(line);
    expect(parsed.res.headers.location).toBe('[redacted]');
    expect(parsed.res.statusCode).toBe(302);
    expect(parsed.endpoint.url).toBe('https://hooks.example.com/');
  });
});

describe('createLogger context', () => {
  beforeAll(() => startTracing('logger-test', {}));

  it("writes the active span's trace and span ids and the upload worked for", async () => {
    const { logger, text } = capture();
    let ids = { traceId: '', spanId: '' };
    await withUpload('u-42', () =>
      inSpan('work', {}, async (span) => {
        ids = span.spanContext();
        logger.info({ uploadId: 'u-42' }, 'inside');
      }),
    );
    logger.info('outside');
    const [inside, outside] = text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId, uploadId: 'u-42' });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    // One uploadId key, though the line named it too.
    expect(
      text()
        .split('\n')[0]!
        .match(/"uploadId"/g),
    ).toHaveLength(1);
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('uploadId');
  });
});
