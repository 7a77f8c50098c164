import type { Logger } from './logger.ts';

/**
 * SIGTERM/SIGINT run the steps in order, each one even if an earlier one
 * failed; a second signal exits at once.
 */
export function bindShutdown(logger: Logger, steps: ReadonlyArray<() => Promise<void>>): void {
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    let failed = false;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failed = true;
        logger.error({ err: error }, 'shutdown step failed');
      }
    }
    process.exit(failed ? 1 : 0);
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}
