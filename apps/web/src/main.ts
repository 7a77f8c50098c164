import { bindShutdown, createLogger } from '@airlock/runtime';
import { startWebServer } from './server.ts';
import { loadWebSettings } from './settings.ts';

const settings = loadWebSettings();
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', service: 'web' });
const server = await startWebServer(settings, logger);
logger.info({ url: server.url, api: settings.apiUrl, siteId: settings.siteId }, 'demo page served');
bindShutdown(logger, [server.close]);
