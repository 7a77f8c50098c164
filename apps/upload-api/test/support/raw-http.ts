import { request } from 'node:http';
import { stackLog, type ApiAnswer } from '@airlock/testing';

export type RawResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  body: ApiAnswer;
};

/**
 * One request exactly as given: the path is sent byte for byte (no URL
 * normalisation, so `%ZZ` stays `%ZZ`) and the body is whatever bytes the test
 * chose, whatever Content-Encoding it claims.
 */
export function rawRequest(
  baseUrl: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
  },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: {
          ...(options.body !== undefined
            ? { 'content-length': Buffer.byteLength(options.body) }
            : {}),
          ...options.headers,
        },
        agent: false,
        signal: AbortSignal.timeout(10_000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            body: body as ApiAnswer,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The running stack API's logs ($AIRLOCK_HOME/logs/upload-api.log, or every replica's). */
export const stackApiLog = () => stackLog('upload-api');
