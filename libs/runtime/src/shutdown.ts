import type { Logger } from './logger.ts';

export type CloseStep = () => Promise<void> | void;

/**
 * Runs the steps in order, each one even if an earlier one failed, and says
 * whether all succeeded. Failures are logged, never thrown.
 */
export async function runInOrder(steps: readonly CloseStep[], logger: Logger): Promise<boolean> {
  let ok = true;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      ok = false;
      logger.error({ err: error }, 'close step failed');
    }
  }
  return ok;
}

/** A close() that runs its steps once, however often it is called. */
export function memoizedClose(steps: readonly CloseStep[], logger: Logger): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= runInOrder(steps, logger).then(() => undefined));
}

/**
 * SIGTERM/SIGINT run the steps in order (see {@link runInOrder}) and exit 0
 * when all succeeded; a second signal exits at once.
 */
export function bindShutdown(logger: Logger, steps: readonly CloseStep[]): void {
  let closing = false;
  const close = async (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    process.exit((await runInOrder(steps, logger)) ? 0 : 1);
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}
