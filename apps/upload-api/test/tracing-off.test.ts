import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { loadUploadApiConfig } from '@airlock/config';
import { createLogger, startTracing, type Tracing } from '@airlock/runtime';
import {
  receivedTrace,
  StackClients,
  tracesOfUpload,
  uniqueText,
  until,
  waitForState,
  type Tenant,
  stackLog,
} from '@airlock/testing';
import { composeUploadApi } from '../src/compose.ts';

// The API in this process with tracing off (no OTLP endpoint), the stack's
// workers behind it exporting to the stack's receiver: an upload it creates
// leaves no span anywhere (it starts unsampled, and the workers follow that
// decision), yet every process's lines about it carry its uploadId and one
// trace id, the one kept on its row.

const apiLines: Record<string, unknown>[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
      apiLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let tracing: Tracing;
let server: Server;
let closeApi: () => Promise<void>;
let offApi: StackClients;
const stack = new StackClients();
let tenant: Tenant;

// Every replica's log (one file without replicas).
const stackLines = (service: string): Record<string, unknown>[] => stackLog(service).since();

beforeAll(async () => {
  tracing = startTracing('upload-api', {});
  const composed = composeUploadApi(
    loadUploadApiConfig({ ...process.env, LOG_LEVEL: 'info' }),
    createLogger({ level: 'info', service: 'upload-api' }, capture),
  );
  closeApi = composed.close;
  server = composed.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  offApi = new (class extends StackClients {
    override readonly apiUrl = url;
  })();
  tenant = await stack.tenant();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeApi();
  await tracing.close();
  await offApi.close();
  await stack.close();
});

it('exports nothing for an upload created with tracing off, and its lines still correlate', async () => {
  expect(tracing.exporting).toBe(false);
  const { uploadId } = await offApi.uploadThroughApi(tenant, uniqueText('untraced'), 'text/plain');
  await waitForState(stack.uploads, uploadId, ['ready'], 60_000);

  const { rows } = await stack.pool.query<{ trace_parent: string }>(
    'SELECT trace_parent FROM uploads WHERE id = $1',
    [uploadId],
  );
  // An id, not sampled (flags 00).
  expect(rows[0]?.trace_parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  const traceId = rows[0]!.trace_parent.split('-')[1]!;

  // The API's own line about the request carries the trace id.
  const posted = apiLines.filter(
    (line) => (line.req as { method?: string; url?: string } | undefined)?.url === '/v1/uploads',
  );
  expect(posted.map((line) => line.trace_id)).toEqual([traceId]);
  // The workers' lines about the upload carry its id and the same trace id.
  for (const service of ['verifier', 'scanner']) {
    const lines = stackLines(service).filter((line) => line.uploadId === uploadId);
    expect({ service, lines: lines.length > 0 }).toEqual({ service, lines: true });
    expect(lines.map((line) => line.trace_id)).toEqual(lines.map(() => traceId));
  }

  // A traced upload through the stack's API after it: once the scanner's span
  // for that one is received, the workers have exported everything before it.
  const { uploadId: later } = await stack.uploadThroughApi(
    tenant,
    uniqueText('traced'),
    'text/plain',
  );
  await until(
    'the later upload scanned, in the receiver',
    async () => {
      const [traceOfLater] = await tracesOfUpload(later);
      const spans = traceOfLater ? await receivedTrace(traceOfLater) : [];
      return spans.some((span) => span.service === 'scanner' && span.name === 'scan upload')
        ? true
        : undefined;
    },
    60_000,
  );
  expect(await tracesOfUpload(uploadId)).toEqual([]);
  expect(await receivedTrace(traceId)).toEqual([]);
});
