import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  browserSafeHeaders,
  fetchTransport,
  isForbiddenHeader,
  xhrTransport,
  type XhrLike,
} from './transport.ts';

describe('PUT transports', () => {
  it('drops the headers no browser may set, keeps the signed ones a client sets', () => {
    expect(
      browserSafeHeaders({
        'Content-Length': '5',
        'content-type': 'text/plain',
        'x-amz-checksum-sha256': 'abc=',
        'x-amz-meta-upload-id': 'u',
        Host: 'example',
        'Sec-Fetch-Mode': 'cors',
        'Proxy-Authorization': 'x',
      }),
    ).toEqual({
      'content-type': 'text/plain',
      'x-amz-checksum-sha256': 'abc=',
      'x-amz-meta-upload-id': 'u',
    });
    expect(isForbiddenHeader('Transfer-Encoding')).toBe(true);
    expect(isForbiddenHeader('If-None-Match')).toBe(false);
  });

  it('fetch: sends the body with its length, without a forbidden header, and answers the status', async () => {
    let seen: { headers: IncomingHttpHeaders; body: string } | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen = { headers: req.headers, body: Buffer.concat(chunks).toString() };
        res.writeHead(503).end('<Error>SlowDown</Error>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/object`;
      const loaded: number[] = [];
      const answer = await fetchTransport(fetch)({
        url,
        headers: { 'content-length': '999', 'content-type': 'text/plain' },
        body: new Blob(['hello']),
        signal: new AbortController().signal,
        onUploadProgress: (n) => loaded.push(n),
      });
      expect(answer).toEqual({ status: 503, body: '<Error>SlowDown</Error>' });
      expect(seen!.body).toBe('hello');
      expect(seen!.headers['content-length']).toBe('5');
      expect(seen!.headers['content-type']).toBe('text/plain');
      expect(loaded).toEqual([]); // refused: nothing counts as sent
    } finally {
      server.close();
    }
  });

  /** A scripted XMLHttpRequest: records what the transport does, plays the browser's events. */
  class ScriptedXhr {
    static last: ScriptedXhr;
    readonly listeners = new Map<string, Array<(event: { loaded?: number }) => void>>();
    readonly uploadListeners: Array<(event: { loaded: number }) => void> = [];
    readonly headers: Record<string, string> = {};
    readonly upload = {
      addEventListener: (_type: string, listener: (event: { loaded: number }) => void) =>
        this.uploadListeners.push(listener),
    };
    method = '';
    url = '';
    body: unknown;
    status = 0;
    responseText = '';
    responseType = '';
    aborted = false;
    constructor() {
      ScriptedXhr.last = this;
    }
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      if (isForbiddenHeader(name)) throw new Error(`Refused to set unsafe header "${name}"`);
      this.headers[name] = value;
    }
    addEventListener(type: string, listener: (event: { loaded?: number }) => void) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }
    send(body: unknown) {
      this.body = body;
    }
    abort() {
      this.aborted = true;
      this.emit('abort');
    }
    emit(type: string) {
      for (const listener of this.listeners.get(type) ?? []) listener({});
    }
  }
  const Xhr = ScriptedXhr as unknown as new () => XhrLike;

  it('XMLHttpRequest: reports upload progress, sets only safe headers, answers the status', async () => {
    const loaded: number[] = [];
    const body = new Blob(['0123456789']);
    const answer = xhrTransport(Xhr)({
      url: 'https://s3.example/object',
      headers: { 'Content-Length': '10', 'x-amz-checksum-sha256': 'abc=' },
      body,
      signal: new AbortController().signal,
      onUploadProgress: (n) => loaded.push(n),
    });
    const xhr = ScriptedXhr.last;
    expect([xhr.method, xhr.url, xhr.body]).toEqual(['PUT', 'https://s3.example/object', body]);
    expect(xhr.headers).toEqual({ 'x-amz-checksum-sha256': 'abc=' });
    for (const n of [4, 10]) for (const listener of xhr.uploadListeners) listener({ loaded: n });
    xhr.status = 200;
    xhr.emit('load');
    await expect(answer).resolves.toEqual({ status: 200, body: '' });
    expect(loaded).toEqual([4, 10]);
  });

  it('XMLHttpRequest: a network error is a TypeError (retried); an abort rejects with the reason', async () => {
    const failing = xhrTransport(Xhr)({
      url: 'https://s3.example/o',
      headers: {},
      body: new Blob(['x']),
      signal: new AbortController().signal,
    });
    ScriptedXhr.last.emit('error');
    await expect(failing).rejects.toBeInstanceOf(TypeError);

    const controller = new AbortController();
    const aborted = xhrTransport(Xhr)({
      url: 'https://s3.example/o',
      headers: {},
      body: new Blob(['x']),
      signal: controller.signal,
    });
    controller.abort(new Error('user left'));
    expect(ScriptedXhr.last.aborted).toBe(true);
    await expect(aborted).rejects.toThrow('user left');
  });
});
