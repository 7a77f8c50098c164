export { createLogger, type Logger, type LoggingSettings } from './logger.ts';
