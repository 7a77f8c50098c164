import type { AddressInfo } from 'node:net';
import express from 'express';
import { Registry, type Histogram } from 'prom-client';
import { ERROR_CODE_LOCAL, requestMetrics, uploadOutcome } from './request-metrics.ts';

describe('uploadOutcome', () => {
  it('is created on 201, duplicate on 200, refused with the error code on 4xx, nothing on 5xx', () => {
    expect(uploadOutcome(201, undefined)).toEqual({ outcome: 'created', reason: '' });
    expect(uploadOutcome(200, undefined)).toEqual({ outcome: 'duplicate', reason: '' });
    expect(uploadOutcome(413, 'upload_too_large')).toEqual({
      outcome: 'refused',
      reason: 'upload_too_large',
    });
    expect(uploadOutcome(401, undefined)).toEqual({ outcome: 'refused', reason: 'unknown' });
    expect(uploadOutcome(500, 'internal_error')).toBeUndefined();
  });
});

describe('requestMetrics (on loopback)', () => {
  it('labels requests with the route pattern, never the path, and `unmatched` when no route ran', async () => {
    const registry = new Registry();
    const app = express();
    app.use(requestMetrics(registry));
    app.get('/v1/uploads/:uploadId', (_req, res) => void res.json({}));
    app.post('/v1/uploads', (_req, res) => {
      res.locals[ERROR_CODE_LOCAL] = 'invalid_request';
      res.status(400).json({});
    });
    app.use((_req, res) => void res.status(404).json({}));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await fetch(`${base}/v1/uploads/0b6e2a6c-9d7e-4b8a-8f40-2f8f5d0c1a11`);
      await fetch(`${base}/v1/uploads/another-id`);
      await fetch(`${base}/v1/uploads`, { method: 'POST' });
      await fetch(`${base}/nothing/here`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const histogram = registry.getSingleMetric(
      'airlock_http_request_duration_seconds',
    ) as Histogram;
    const counts = (await histogram.get()).values
      .filter((sample) => sample.metricName?.endsWith('_count'))
      .map(({ labels, value }) => `${labels.method} ${labels.route} ${labels.status} ${value}`);
    expect(counts.sort()).toEqual([
      'GET /v1/uploads/:uploadId 200 2',
      'GET unmatched 404 1',
      'POST /v1/uploads 400 1',
    ]);
    const outcomes = (await registry.getSingleMetric('airlock_upload_requests_total')!.get())
      .values;
    expect(outcomes.map(({ labels, value }) => [labels, value])).toEqual([
      [{ outcome: 'refused', reason: 'invalid_request' }, 1],
    ]);
  });
});
