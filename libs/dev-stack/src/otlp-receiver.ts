import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { flattenExport, type ExportTraceServiceRequest, type ReceivedSpan } from './otlp-spans.ts';

/** Oldest traces are forgotten past this many spans (a bench run sends hundreds of thousands). */
const MAX_SPANS = 200_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type OtlpReceiver = { readonly port: number; close(): Promise<void> };

/**
 * The local stack's trace collector: `POST /v1/traces` takes OTLP/HTTP JSON
 * exports and keeps the spans in memory; `GET /traces/<traceId>` answers one
 * trace's spans (JSON array, in start order), `GET /traces?upload=<id>` the
 * ids of the traces with a span for that upload (`airlock.upload.id`).
 */
export async function startOtlpReceiver(host: string, port: number): Promise<OtlpReceiver> {
  const traces = new Map<string, ReceivedSpan[]>();
  const uploads = new Map<string, Set<string>>();
  let spanCount = 0;

  const keep = (spans: ReceivedSpan[]) => {
    for (const span of spans) {
      let trace = traces.get(span.traceId);
      if (!trace) traces.set(span.traceId, (trace = []));
      trace.push(span);
      spanCount++;
      const uploadId = span.attributes['airlock.upload.id'];
      if (typeof uploadId === 'string') {
        if (!uploads.has(uploadId)) uploads.set(uploadId, new Set());
        uploads.get(uploadId)!.add(span.traceId);
      }
    }
    for (const [traceId, trace] of traces) {
      if (spanCount <= MAX_SPANS) break;
      traces.delete(traceId);
      spanCount -= trace.length;
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/v1/traces') {
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        answer(415, { error: 'only the OTLP JSON encoding is taken here' });
        return;
      }
      readBody(req).then(
        (body) => {
          keep(flattenExport(JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest));
          answer(200, {});
        },
        (error: unknown) => answer(400, { error: String(error) }),
      );
      return;
    }
    const trace = /^\/traces\/([0-9a-f]{32})$/.exec(url.pathname);
    if (req.method === 'GET' && trace) {
      const spans = [...(traces.get(trace[1]!) ?? [])].sort((a, b) =>
        BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1,
      );
      answer(200, spans);
      return;
    }
    const upload = url.searchParams.get('upload');
    if (req.method === 'GET' && url.pathname === '/traces' && upload) {
      answer(200, [...(uploads.get(upload) ?? [])]);
      return;
    }
    answer(404, { error: 'not found' });
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('export too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}
