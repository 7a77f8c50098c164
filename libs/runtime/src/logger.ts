import { logFields } from '@airlock/tracing';
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export type LoggingSettings = {
  readonly level: string;
  readonly service: string;
};

/**
 * Never logged, wherever a request or response log line carries them:
 * credentials (Authorization, cookies, API keys), signed URLs (the Location of
 * a `/content` redirect is a working presigned GET) and signing secrets
 * (a webhook's `secret`).
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers.location',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.location',
  '*.apiKey',
  'apiKey',
  '*.secret',
  'secret',
  '*.webhookSecret',
  'webhookSecret',
];

/**
 * JSON lines on stdout; credentials, signed URLs and secrets are redacted
 * ({@link REDACTED_PATHS}). A line written inside a span carries `trace_id`
 * and `span_id`, inside an upload's work (`withUpload`) its `uploadId`.
 */
export function createLogger(
  settings: LoggingSettings,
  destination?: pino.DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service },
    mixin: logFields,
    redact: {
      paths: [...REDACTED_PATHS],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
